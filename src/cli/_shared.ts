import type { ArgsDef, CommandDef } from "citty";
import { UsageError } from "../errors.ts";
import type { CliContext } from "./context.ts";

/** Flags more than one command takes, defined once so help and parsing agree. */
export const targetArgs = {
  user: { type: "string", alias: "u", description: "send to this user (a direct message)", valueHint: "NAME" },
  channel: { type: "string", alias: "c", description: "send to this channel (team/channel for another team)", valueHint: "NAME" },
} satisfies ArgsDef;

export const fileArg = {
  file: { type: "string", alias: "f", description: "attach a file (repeat for more)", valueHint: "PATH" },
} satisfies ArgsDef;

export const jsonArg = {
  json: { type: "boolean", description: "print JSON on stdout, for scripts, instead of text" },
} satisfies ArgsDef;

export const timeoutArg = {
  timeout: { type: "string", description: "give up after this many seconds without an answer (default 20)", valueHint: "SECONDS" },
} satisfies ArgsDef;

/** `--timeout` as the client takes it: a number of seconds, at most an hour. */
export function timeoutOption(value: string | undefined): { totalTimeoutMs?: number } {
  if (value === undefined) return {};
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new UsageError(`--timeout takes a number of seconds from 0 to 3600, not ${JSON.stringify(value)}`);
  }
  return { totalTimeoutMs: seconds * 1000 };
}

export const messageArg = {
  message: { type: "positional", required: false, description: "the message (Markdown); - or none reads stdin when it is not a terminal", valueHint: "MESSAGE" },
} satisfies ArgsDef;

/**
 * A citty command with its argument types erased: our commands parse their flags strictly
 * themselves (argv.ts), so the table in commands.ts can hold them all as one type.
 */
export function command<T extends ArgsDef>(def: CommandDef<T>): CommandDef {
  return def as unknown as CommandDef;
}

/** citty hands `data` through untyped; every command gets it from main. */
export function contextOf(data: unknown): CliContext {
  return data as CliContext;
}

/** At most one of -u and -c; none means the configured default. */
export function chooseTarget(user: string | undefined, channel: string | undefined): { user?: string; channel?: string } {
  if (user !== undefined && channel !== undefined) throw new UsageError("give -u/--user or -c/--channel, not both");
  if (user === "") throw new UsageError("-u/--user needs a user name");
  if (channel === "") throw new UsageError("-c/--channel needs a channel name");
  return { ...(user ? { user } : {}), ...(channel ? { channel } : {}) };
}

/** The one operand a command takes; more usually means an unquoted message. */
export function onePositional(positionals: string[], what: string): string | undefined {
  if (positionals.length > 1) {
    throw new UsageError(`expected one ${what}, got ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(" ")}`, {
      hint: "quote a message with spaces: mmn send \"my message\"",
    });
  }
  return positionals[0];
}
