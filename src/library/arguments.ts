/**
 * What the library's public functions are given, checked before anything is sent: a key
 * dropped silently (Python's `always_send_to_user`, a typo) would send elsewhere or fail far
 * from the call, and a message that is no string would fail inside as a raw TypeError.
 */
import { type ConfigError, UsageError } from "../base/errors.ts";
import type { Recipient } from "../client/recipient.ts";
import { UPDATE_KEYS, type UpdateOptions } from "./notify-options.ts";

/** Every key an options object may hold, each once: typed against its interface, so that the two cannot drift. */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/** The Python package's names that are not simply its TypeScript name in snake_case. */
const PYTHON_NAMES: Readonly<Record<string, string>> = {
  team_name: "team",
  user_name: "user",
  channel_name: "channel",
  file_paths: "files",
  message_id: "id",
};

export interface CheckOptions {
  /** How a right call looks, said with every refusal (e.g. `notifyUser(message, "alice", { files, id })`). */
  usage?: string;
  /** Keys the call takes elsewhere, and where: `{ user_name: "the user as its second argument" }`. */
  elsewhere?: Readonly<Record<string, string>>;
  /** A client's options are configuration (ConfigError); a call's are usage (UsageError). */
  kind?: typeof ConfigError | typeof UsageError;
}

/**
 * Refuses options that are no object, and every key the call does not take; a key the call
 * takes under another name (snake_case, Python's) is answered with that name.
 */
export function checkOptions<T>(
  call: string,
  options: T | undefined,
  keys: OptionKeys<T>,
  how: CheckOptions = {},
): void {
  const Kind = how.kind ?? UsageError;
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options))
    throw new Kind(`${call}: the options must be an object, not ${describe(options)}`, { hint: how.usage });
  const known = Object.keys(keys);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const named = [PYTHON_NAMES[key], camelCase(key)].find((name) => name !== undefined && known.includes(name));
    const where = named ?? how.elsewhere?.[key];
    if (where)
      throw new Kind(`${call} takes ${where}, not ${key}`, {
        hint: how.usage ?? `its options are ${known.join(", ")}`,
      });
    throw new Kind(`${call}: unknown option ${JSON.stringify(key)}`, { hint: `its options are ${known.join(", ")}` });
  }
}

/** The text to send: anything else is the caller's mistake, told as such. */
export function checkMessage(call: string, message: unknown): asserts message is string {
  if (typeof message !== "string")
    throw new UsageError(`${call}: the message must be a string, not ${describe(message)}`, {
      hint: "pass text: String(value), or JSON.stringify(value, null, 2) for an object",
    });
}

/** An edit's options: the id of the message, in an object (`sendUpdate("done", "x")` is Python's order). */
export function checkUpdate(call: string, options: unknown): asserts options is UpdateOptions {
  if (typeof options === "string")
    throw new UsageError(`${call}(message, ${quoted(options)}): the id goes in the options object`, {
      hint: `${call}(message, { id: ${quoted(options)} })`,
    });
  const usage = `${call}(message, { id: "…" }), with the id the message was sent under`;
  checkOptions(call, options as UpdateOptions | undefined, UPDATE_KEYS, { usage });
  if (typeof (options as UpdateOptions | undefined)?.id !== "string")
    throw new UsageError(`${call} needs the id of the message to edit, as { id }`, { hint: usage });
}

/** `{ user }` or `{ channel }`, when one is given. */
export function checkRecipient(call: string, to: unknown): asserts to is Recipient | undefined {
  if (to === undefined) return;
  const usage = '{ user: "alice" } or { channel: "town-square" }';
  checkOptions(`${call}({ to })`, to as { user?: string; channel?: string }, { user: true, channel: true }, { usage });
  const { user, channel } = to as { user?: unknown; channel?: unknown };
  if ((typeof user === "string") === (typeof channel === "string"))
    throw new UsageError(`${call}: to must name one user or one channel`, { hint: usage });
}

/** A user or channel name, when one is given. */
export function checkName(call: string, what: "user" | "channel", name: unknown): void {
  if (name !== undefined && typeof name !== "string")
    throw new UsageError(`${call}: the ${what} must be a name (a string), not ${describe(name)}`);
}

/** A value as an error names it: its type, and a short string or number itself. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${quoted(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `the ${typeof value} ${value}`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function camelCase(key: string): string {
  return key.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A string as code writes it, cut short: an error names what it was given, not all of it. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
