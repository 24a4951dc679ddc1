import { existsSync } from "node:fs";
import { UsageError } from "../base/errors.ts";
import { Client } from "../client/client.ts";
import { pickRecipient } from "../client/recipient.ts";
import { type MmnConfig, mergeConfig } from "../config/config.ts";
import { userConfigPath } from "../config/config-files.ts";
import { writeConfigFile } from "../config/config-write.ts";
import { fetchOptions } from "../config/fetch-options.ts";
import { normalizeUrl } from "../config/server-url.ts";
import type { NotifyOptions } from "../library/notify-options.ts";
import { webhookOf } from "../mattermost/webhook-url.ts";
import { targetOf } from "./_shared.ts";
import { defineCommand } from "./command.ts";
import { deliveryOf } from "./connect.ts";
import { cliConfig } from "./context.ts";
import { ask, Cancelled, confirm } from "./prompt.ts";
import {
  askAgain,
  askRecipient,
  checkRecipient,
  once,
  ownValues,
  pickTeam,
  readToken,
  rejectedToken,
  sameServer,
  type TokenSource,
} from "./setup-steps.ts";
import { isTerminal } from "./tty.ts";
import { ui } from "./ui.ts";

export default defineCommand({
  name: "mmn setup",
  description:
    "Write the configuration (~/.mmnrc, mode 0600) after checking it against the server: address, bot token, team, default recipient; or an incoming webhook's URL instead of a server and a token.",
  flags: {
    url: { type: "string", description: "server address, as in the browser", valueHint: "URL" },
    "webhook-file": {
      type: "string",
      description:
        "read an incoming webhook's URL (…/hooks/KEY, a secret) from this file (- for stdin): no token needed",
      valueHint: "FILE",
    },
    team: { type: "string", description: "team whose channels -c names", valueHint: "TEAM" },
    "token-file": { type: "string", description: "read the token from this file (- for stdin)", valueHint: "FILE" },
    token: {
      type: "string",
      description: "the token itself (visible to other users in ps: prefer --token-file)",
      valueHint: "TOKEN",
    },
    user: { type: "string", alias: "u", description: "default recipient of direct messages", valueHint: "NAME" },
    channel: { type: "string", alias: "c", description: "default channel instead", valueHint: "NAME" },
    yes: { type: "boolean", alias: "y", description: "ask nothing: take flags and the current configuration" },
  },
  examples: `  mmn setup                                        # asks for everything
  mmn setup --url https://chat.example.org --team research --token-file ~/.mm-token -u alice --yes
  pass show mattermost/bot | mmn setup --url chat.example.org --token-file - -c hpc-jobs --yes`,
  async run({ flags: values }, ctx) {
    const flagTarget = targetOf(values);
    // The file named by --config or MMN_CONFIG is the one setup writes: it may not exist yet.
    const explicit = ctx.globals.config ?? process.env.MMN_CONFIG;
    const current =
      explicit && !existsSync(explicit) ? mergeConfig([], { env: ctx.env }).config : (await cliConfig(ctx)).config;
    if (deliveryOf(current) === "outbox")
      throw new UsageError("this node makes no request (delivery=outbox): setup cannot check the server from here", {
        hint: "run mmn setup on a node that reaches the server (the login node: the home directory is shared), and mmn relay there",
      });
    const path = explicit ?? (await userConfigPath());
    // A site's own CA and proxy, from the configuration or the environment, reach the server as send's would.
    const transport: Partial<NotifyOptions> = {
      ...(await fetchOptions(current, undefined, ui.warn, ctx.env)),
      retries: 1,
      onAttempt: ({ request, status, ms }) =>
        ui.debug(`${request.method} ${request.path} → ${status || "no answer"} (${Math.round(ms)} ms)`),
    };
    const client = (url: string, token: string, team?: string) =>
      new Client({ ...transport, url, token, ...(team ? { team } : {}) });
    const interactive = values.yes !== true && isTerminal(0);
    if (values.token)
      ui.warn("--token is visible to every user of this machine in `ps`: prefer --token-file or the prompt");
    // In the wizard a wrong answer is asked again; one from a flag or the configuration is an error.
    const answer = (fromFlag: boolean) => (interactive && !fromFlag ? askAgain : once);

    const hookFile = values["webhook-file"];
    const configuredHook = webhookOf(current.url);
    const given = hookFile !== undefined ? (await readToken(hookFile, undefined, false)).trim() : values.url;
    if (values.url && webhookOf(values.url))
      ui.warn("--url with a webhook is visible to every user of this machine in `ps`: prefer --webhook-file");
    // A webhook, given or kept: its key is never shown in a prompt either.
    const hook = webhookOf(given, hookFile ?? "--url") ?? (given === undefined ? configuredHook : undefined);
    if (hook && (given !== undefined || !interactive))
      return (await import("./setup-webhook.ts")).setupWebhook({
        hook,
        transport,
        path,
        recipient: flagTarget,
        interactive,
      });
    const url = await answer(values.url !== undefined)(async () => {
      const raw =
        values.url ??
        (interactive ? await ask("Mattermost server address:", configuredHook ? undefined : current.url) : current.url);
      if (!raw)
        throw new UsageError("no server address: give --url", { hint: "or run `mmn setup` in a terminal to be asked" });
      if (webhookOf(raw))
        throw new UsageError("that is an incoming webhook's URL: give it with --webhook-file FILE (- for stdin)", {
          hint: "a file keeps the secret out of ps and of the terminal",
        });
      const url = normalizeUrl(raw, values.url !== undefined ? "--url" : "the address");
      // No token on the way: the address may be a typo, and ping needs none.
      await client(url, "").ping();
      return url;
    });
    ui.success(`${url} answers`);

    // The configured token belongs to the configured server: it is never sent to another one.
    const keptToken = current.url && sameServer(current.url, url) ? current.token : undefined;
    const tokenFlag = values["token-file"] !== undefined || values.token !== undefined;
    const { notify, me, token } = await answer(tokenFlag)(async () => {
      const token = await readToken(values["token-file"], values.token, interactive, keptToken);
      const notify = client(url, token);
      const file = values["token-file"];
      const source: TokenSource =
        file !== undefined ? { file } : values.token !== undefined ? "flag" : interactive ? "asked" : "configured";
      return { notify, me: await rejectedToken(notify.me(), source), token };
    });
    ui.success(`token works: authenticated as @${me.username}${me.is_bot ? " (bot)" : ""}`);

    const team = await pickTeam(notify, values.team ?? current.team, interactive, values.team !== undefined);
    const recipient = await answer(flagTarget !== undefined)(async () => {
      const chosen: { user?: string; channel?: string } = flagTarget
        ? flagTarget
        : interactive
          ? await askRecipient(current)
          : (pickRecipient({}, current) ?? {});
      const to = pickRecipient(chosen);
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
    if (interactive && !(await confirm(`Write the configuration to ${path}?`))) throw new Cancelled();
    await writeConfigFile(path, config);
    ui.success(`configuration written to ${path} (mode 0600)`);
    ui.info(`next: mmn test, then mmn send "hello from $(hostname)"`);
    return 0;
  },
});
