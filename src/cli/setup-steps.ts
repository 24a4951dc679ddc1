/** The steps of `mmn setup`: each asks, checks with the server, or reads what it needs. */
import type { Team } from "@mattermost/types/teams";
import { errnoText, exists } from "../base/disk.ts";
import { ConfigError, MmnError, ServerError, UsageError } from "../base/errors.ts";
import { FileRefused, readSmallFile } from "../base/read-file.ts";
import type { Client } from "../client/client.ts";
import type { Recipient } from "../client/recipient.ts";
import type { MmnConfig } from "../config/config.ts";
import { readConfigFiles } from "../config/config-files.ts";
import { normalizeUrl } from "../config/server-url.ts";
import { readStdin } from "./input.ts";
import { ask, askSecret, Cancelled, choose } from "./prompt.ts";
import { ui } from "./ui.ts";

/** The values of the file setup rewrites, alone: a missing one holds none. */
export async function ownValues(path: string): Promise<MmnConfig> {
  try {
    return (await readConfigFiles({ configFile: path }))[0]?.values ?? {};
  } catch (error) {
    if (error instanceof ConfigError && !(await exists(path))) return {};
    throw error;
  }
}

/** A value from a flag or the configuration: wrong is wrong. */
export const once = <T>(attempt: () => Promise<T>): Promise<T> => attempt();

/** An answer in the wizard: what was wrong is said, and the question asked again. */
export async function askAgain<T>(attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof MmnError) || error instanceof Cancelled) throw error;
      ui.error(error);
    }
  }
}

export function sameServer(configured: string, url: string): boolean {
  try {
    return normalizeUrl(configured) === url;
  } catch {
    return false;
  }
}

/** A recipient nobody could send to is refused before anything is written. */
export async function checkRecipient(notify: Client, recipient: Recipient): Promise<string> {
  try {
    return await notify.checkRecipient(recipient);
  } catch (error) {
    if (error instanceof ServerError && (error.status === 403 || error.status === 404))
      throw new UsageError(error.message, { hint: error.hint });
    throw error;
  }
}

/** A token is 26 characters; a file of kilobytes is the wrong file (`--token-file /dev/zero` reached 17 GB). */
const MAX_TOKEN_BYTES = 4096;

export async function readToken(
  file: string | undefined,
  flag: string | undefined,
  interactive: boolean,
  current?: string,
): Promise<string> {
  let token = flag;
  if (file !== undefined) {
    try {
      token =
        file === "-"
          ? await readStdin(MAX_TOKEN_BYTES, () => new FileRefused("ETOOBIG", String(MAX_TOKEN_BYTES)))
          : (await readSmallFile(file, { maxBytes: MAX_TOKEN_BYTES, allowPipe: true })).text;
    } catch (error) {
      throw new UsageError(`cannot read the token file ${file === "-" ? "(stdin)" : file}: ${errnoText(error)}`);
    }
    // A failed `pass show … | mmn setup --token-file -` must not look like a kept token.
    if (!token.trim()) throw new UsageError(`the token file ${file === "-" ? "(stdin)" : file} is empty`);
  }
  if (token === undefined && interactive)
    token = await askSecret(`Access token${current ? " (Enter keeps the current one)" : ""}:`);
  token = token?.trim() || current;
  if (!token)
    throw new UsageError("no token: give --token-file FILE (or - for stdin)", {
      hint: "create one in Mattermost: Integrations → Bot Accounts",
    });
  if (/\s/.test(token)) throw new UsageError("the token contains spaces or line breaks: is that the right file?");
  return token;
}

/** Where the token setup checks came from. */
export type TokenSource = { file: string } | "flag" | "asked" | "configured";

/**
 * A token the server rejects, told in setup's words: the general hint says to run `mmn setup`,
 * which is where the user is.
 */
export async function rejectedToken<T>(check: Promise<T>, source: TokenSource): Promise<T> {
  try {
    return await check;
  } catch (error) {
    if (!(error instanceof ServerError) || error.status !== 401) throw error;
    const where =
      source === "asked"
        ? "paste it again"
        : source === "configured"
          ? "the configured one no longer works: give a new one with --token-file, or run setup in a terminal"
          : source === "flag"
            ? "check it"
            : `check what ${source.file === "-" ? "stdin" : source.file} holds`;
    throw error.rephrase(
      error.message,
      `${where} (a bot's tokens: Integrations → Bot Accounts, where a new one can be made)`,
    );
  }
}

export async function pickTeam(
  notify: Client,
  wanted: string | undefined,
  interactive: boolean,
  explicit: boolean,
): Promise<string | undefined> {
  const teams: Team[] = await notify.teams();
  if (wanted) {
    if (teams.some((t) => t.name === wanted)) {
      ui.success(`team ${wanted}`);
      return wanted;
    }
    if (explicit || !interactive) {
      throw new UsageError(`the bot is not in a team named ${JSON.stringify(wanted)}`, {
        hint: `its teams: ${teams.map((t) => t.name).join(", ") || "none (add it to one)"}`,
      });
    }
  }
  if (teams.length === 0) {
    ui.warn(
      "the bot is in no team: direct messages work, channels need a team (add the bot to one and run setup again)",
    );
    return undefined;
  }
  const first = teams[0]!.name;
  if (teams.length === 1) {
    ui.success(`team ${first}: the bot's only team`);
    return first;
  }
  if (!interactive) {
    const others = teams.slice(1).map((t) => t.name);
    ui.success(`team ${first}: the first of the bot's teams (also ${others.join(", ")}; --team to choose)`);
    return first;
  }
  return choose(
    "Team for channels:",
    teams.map((t) => t.name),
  );
}

export async function askRecipient(current: MmnConfig): Promise<{ user?: string; channel?: string }> {
  const initial = current.user ? `@${current.user}` : current.channel ? `~${current.channel}` : "";
  const answer = await ask("Send to whom by default? (@user or ~channel, empty for nobody)", initial);
  if (!answer) return {};
  return answer.startsWith("~") ? { channel: answer.slice(1) } : { user: answer.replace(/^@/, "") };
}
