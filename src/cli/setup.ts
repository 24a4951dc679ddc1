import { existsSync } from "node:fs";
import type { Team } from "@mattermost/types/teams";
import { mergeConfig, normalizeUrl, userConfigPath, writeConfigFile, type MmnConfig } from "../config.ts";
import { readCaBundle } from "../ca.ts";
import { readConfigFiles } from "../config-files.ts";
import { errnoText, exists } from "../disk.ts";
import { FileRefused, readSmallFile } from "../read-file.ts";
import { ConfigError, MmnError, ServerError, UsageError } from "../errors.ts";
import { Notify, type NotifyOptions, type Recipient } from "../notify.ts";
import { chooseTarget, command, contextOf } from "./_shared.ts";
import { parseFlags, str } from "./argv.ts";
import { cliConfig } from "./context.ts";
import { readStdin } from "./input.ts";
import { ask, askSecret, Cancelled, choose } from "./prompt.ts";
import { isTerminal } from "./tty.ts";
import { ui } from "./ui.ts";

const args = {
  url: { type: "string", description: "server address, as in the browser", valueHint: "URL" },
  team: { type: "string", description: "team whose channels -c names", valueHint: "TEAM" },
  "token-file": { type: "string", description: "read the token from this file (- for stdin)", valueHint: "FILE" },
  token: { type: "string", description: "the token itself (visible to other users in ps: prefer --token-file)", valueHint: "TOKEN" },
  user: { type: "string", alias: "u", description: "default recipient of direct messages", valueHint: "NAME" },
  channel: { type: "string", alias: "c", description: "default channel instead", valueHint: "NAME" },
  yes: { type: "boolean", alias: "y", description: "ask nothing: take flags and the current configuration" },
} as const;

export const examples = `  mmn setup                                        # asks for everything
  mmn setup --url https://chat.example.org --team research --token-file ~/.mm-token -u alice --yes
  pass show mattermost/bot | mmn setup --url chat.example.org --token-file - -c hpc-jobs --yes`;

export default command({
  meta: { name: "mmn setup", description: "Write the configuration (~/.mmnrc, mode 0600) after checking it against the server: address, bot token, team, default recipient." },
  args,
  async run({ rawArgs, data }) {
    const ctx = contextOf(data);
    const { values } = parseFlags(rawArgs, args);
    const flagTarget = chooseTarget(str(values.user), str(values.channel));
    // The file named by --config or MMN_CONFIG is the one setup writes: it may not exist yet.
    const explicit = ctx.globals.config ?? process.env.MMN_CONFIG;
    const current = explicit && !existsSync(explicit) ? mergeConfig([], { env: ctx.env }).config : (await cliConfig(ctx)).config;
    const path = explicit ?? (await userConfigPath());
    // A site's own CA and proxy, from the configuration or the environment, reach the server as send's would.
    const transport: Partial<NotifyOptions> = {
      ...(current.ca ? { ca: await readCaBundle(current.ca) } : {}),
      ...(current.proxy ? { proxy: current.proxy } : {}),
      retries: 1,
      onAttempt: ({ request, status, ms }) => ui.debug(`${request.method} ${request.path} → ${status || "no answer"} (${Math.round(ms)} ms)`),
    };
    const client = (url: string, token: string, team?: string) => new Notify({ ...transport, url, token, ...(team ? { team } : {}) });
    const interactive = values.yes !== true && isTerminal(0);
    if (str(values.token)) ui.warn("--token is visible to every user of this machine in `ps`: prefer --token-file or the prompt");
    // In the wizard a wrong answer is asked again; one from a flag or the configuration is an error.
    const answer = (fromFlag: boolean) => (interactive && !fromFlag ? askAgain : once);

    const url = await answer(str(values.url) !== undefined)(async () => {
      const raw = str(values.url) ?? (interactive ? await ask("Mattermost server address:", current.url) : current.url);
      if (!raw) throw new UsageError("no server address: give --url", { hint: "or run `mmn setup` in a terminal to be asked" });
      const url = normalizeUrl(raw, str(values.url) !== undefined ? "--url" : "the address");
      // No token on the way: the address may be a typo, and ping needs none.
      await client(url, "").ping();
      return url;
    });
    ui.success(`${url} answers`);

    // The configured token belongs to the configured server: it is never sent to another one.
    const keptToken = current.url && sameServer(current.url, url) ? current.token : undefined;
    const tokenFlag = str(values["token-file"]) !== undefined || str(values.token) !== undefined;
    const { notify, me, token } = await answer(tokenFlag)(async () => {
      const token = await readToken(str(values["token-file"]), str(values.token), interactive, keptToken);
      const notify = client(url, token);
      return { notify, me: await notify.me(), token };
    });
    ui.success(`token works: authenticated as @${me.username}${me.is_bot ? " (bot)" : ""}`);

    const team = await pickTeam(notify, str(values.team) ?? current.team, interactive, str(values.team) !== undefined);
    const recipient = await answer(Boolean(flagTarget.user || flagTarget.channel))(async () => {
      const chosen = flagTarget.user || flagTarget.channel ? flagTarget : interactive ? await askRecipient(current) : recipientOf(current);
      const to: Recipient | undefined = chosen.user ? { user: chosen.user } : chosen.channel ? { channel: chosen.channel } : undefined;
      if (to) ui.success(`default recipient ${await checkRecipient(client(url, token, team), to)} can be reached`);
      return chosen;
    });
    // What the file held, and what was given or answered: nothing another source merely said.
    const config: MmnConfig = { ...(await ownValues(path)), url, token, ...(team ? { team } : {}) };
    if (recipient.user || recipient.channel) {
      delete config.user;
      delete config.channel;
      Object.assign(config, recipient);
    }
    await writeConfigFile(path, config);
    ui.success(`configuration written to ${path} (mode 0600)`);
    ui.info(`next: mmn test, then mmn send "hello from $(hostname)"`);
    return 0;
  },
});

/** The values of the file setup rewrites, alone: a missing one holds none. */
async function ownValues(path: string): Promise<MmnConfig> {
  try {
    return (await readConfigFiles({ configFile: path }))[0]?.values ?? {};
  } catch (error) {
    if (error instanceof ConfigError && !(await exists(path))) return {};
    throw error;
  }
}

/** A value from a flag or the configuration: wrong is wrong. */
const once = <T>(attempt: () => Promise<T>): Promise<T> => attempt();

/** An answer in the wizard: what was wrong is said, and the question asked again. */
async function askAgain<T>(attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof MmnError) || error instanceof Cancelled) throw error;
      ui.error(error);
    }
  }
}

function sameServer(configured: string, url: string): boolean {
  try {
    return normalizeUrl(configured) === url;
  } catch {
    return false;
  }
}

/** The recipient the configuration already names, to be checked like a new one. */
const recipientOf = (config: MmnConfig): { user?: string; channel?: string } =>
  config.user ? { user: config.user } : config.channel ? { channel: config.channel } : {};

/** A recipient nobody could send to is refused before anything is written. */
async function checkRecipient(notify: Notify, recipient: Recipient): Promise<string> {
  try {
    return await notify.checkRecipient(recipient);
  } catch (error) {
    if (error instanceof ServerError && (error.status === 403 || error.status === 404)) throw new UsageError(error.message, { hint: error.hint });
    throw error;
  }
}

/** A token is 26 characters; a file of kilobytes is the wrong file (`--token-file /dev/zero` reached 17 GB). */
const MAX_TOKEN_BYTES = 4096;

async function readToken(file: string | undefined, flag: string | undefined, interactive: boolean, current?: string): Promise<string> {
  let token = flag;
  if (file !== undefined) {
    try {
      token = file === "-" ? await readStdin(MAX_TOKEN_BYTES, () => new FileRefused("ETOOBIG", String(MAX_TOKEN_BYTES))) : (await readSmallFile(file, { maxBytes: MAX_TOKEN_BYTES, allowPipe: true })).text;
    } catch (error) {
      throw new UsageError(`cannot read the token file ${file === "-" ? "(stdin)" : file}: ${errnoText(error)}`);
    }
    // A failed `pass show … | mmn setup --token-file -` must not look like a kept token.
    if (!token.trim()) throw new UsageError(`the token file ${file === "-" ? "(stdin)" : file} is empty`);
  }
  if (token === undefined && interactive) token = await askSecret(`Access token${current ? " (Enter keeps the current one)" : ""}:`);
  token = token?.trim() || current;
  if (!token) throw new UsageError("no token: give --token-file FILE (or - for stdin)", { hint: "create one in Mattermost: Integrations → Bot Accounts" });
  if (/\s/.test(token)) throw new UsageError("the token contains spaces or line breaks: is that the right file?");
  return token;
}

async function pickTeam(notify: Notify, wanted: string | undefined, interactive: boolean, explicit: boolean): Promise<string | undefined> {
  const teams: Team[] = await notify.teams();
  if (wanted) {
    if (teams.some((t) => t.name === wanted)) return wanted;
    if (explicit || !interactive) {
      throw new UsageError(`the bot is not in a team named ${JSON.stringify(wanted)}`, { hint: `its teams: ${teams.map((t) => t.name).join(", ") || "none (add it to one)"}` });
    }
  }
  if (teams.length === 0) {
    ui.warn("the bot is in no team: direct messages work, channels need a team (add the bot to one and run setup again)");
    return undefined;
  }
  if (teams.length === 1 || !interactive) return teams[0]!.name;
  return choose("Team for channels:", teams.map((t) => t.name));
}

async function askRecipient(current: MmnConfig): Promise<{ user?: string; channel?: string }> {
  const initial = current.user ? `@${current.user}` : current.channel ? `~${current.channel}` : "";
  const answer = await ask("Send to whom by default? (@user or ~channel, empty for nobody)", initial);
  if (!answer) return {};
  return answer.startsWith("~") ? { channel: answer.slice(1) } : { user: answer.replace(/^@/, "") };
}
