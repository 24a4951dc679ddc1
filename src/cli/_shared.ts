import { UsageError } from "../base/errors.ts";
import { namedRecipient, type Recipient } from "../client/recipient.ts";
import type { Operand } from "./command.ts";
import type { FlagSpecs } from "./flags.ts";

/** One recipient a message: a second -u is refused, not taken instead of the first. */
const REACH_SEVERAL = "one user or channel a message: for several, a channel they share (or one mmn send each)";

/** Flags more than one command takes, declared once so help and parsing agree. */
export const targetFlags = {
  user: {
    type: "string",
    alias: "u",
    description: "send to this user (a direct message)",
    valueHint: "NAME",
    repeatHint: REACH_SEVERAL,
  },
  channel: {
    type: "string",
    alias: "c",
    description: "send to this channel (team/channel for another team)",
    valueHint: "NAME",
    repeatHint: REACH_SEVERAL,
  },
} satisfies FlagSpecs;

export const fileFlag = {
  file: {
    type: "string",
    multiple: true,
    alias: "f",
    description: "attach a file (repeat for more)",
    valueHint: "PATH",
  },
} satisfies FlagSpecs;

export const jsonFlag = {
  json: { type: "boolean", description: "print JSON on stdout, for scripts, instead of text" },
} satisfies FlagSpecs;

export const timeoutFlag = {
  timeout: {
    type: "string",
    description: "give up after this many seconds without an answer (default 20)",
    valueHint: "SECONDS",
  },
} satisfies FlagSpecs;

export const deliveryFlag = {
  delivery: {
    type: "enum",
    values: ["direct", "outbox"],
    description: "outbox: make no request from this node, keep the message for mmn relay (default: direct)",
  },
} satisfies FlagSpecs;

export const messageOperand: Operand = {
  name: "message",
  description: "the message (Markdown); - or none reads stdin when it is not a terminal",
  valueHint: "MESSAGE",
};

/** `--timeout` as the client takes it: a number of seconds, at most an hour. */
export function timeoutOption(value: string | undefined): { totalTimeoutMs?: number } {
  if (value === undefined) return {};
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new UsageError(`--timeout takes a number of seconds from 0 to 3600, not ${JSON.stringify(value)}`);
  }
  return { totalTimeoutMs: seconds * 1000 };
}

/** -u and -c as the flags say them: at most one, and not empty; checked as the library checks a recipient. */
export function targetOf(flags: { user?: string | undefined; channel?: string | undefined }): Recipient | undefined {
  return namedRecipient(flags, {
    both: "give -u/--user or -c/--channel, not both",
    emptyUser: "-u/--user needs a user name",
    emptyChannel: "-c/--channel needs a channel name",
  });
}

/** The one operand a command takes; more usually means an unquoted message. */
export function oneOperand(operands: string[], what: string): string | undefined {
  if (operands.length > 1) {
    throw new UsageError(
      `expected one ${what}, got ${operands.length}: ${operands.map((p) => JSON.stringify(p)).join(" ")}`,
      {
        hint: 'quote a message with spaces: mmn send "my message"',
      },
    );
  }
  return operands[0];
}

/** `mmn relay` and `mmn watch`: seconds between passes (the scheduler asked once a pass). */
export const DEFAULT_POLL_S = 30;

/** `--poll`'s value, the default when it is not given. */
export function pollSeconds(value: string | undefined): number {
  if (value === undefined) return DEFAULT_POLL_S;
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds < 1 || seconds > 86_400)
    throw new UsageError(`--poll takes a number of seconds from 1 to 86400, not ${JSON.stringify(value)}`);
  return seconds;
}
