/**
 * What `mmn run` is asked to do, from its flags and the configuration: settings checked, a
 * flag's mistake refused before anything runs, a configuration's mistake a warning (it must
 * not cost the job its run), the recipient and whom to mention picked, the log's file checked.
 */
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { writeTarget } from "../base/atomic.ts";
import { errnoText } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";
import { shortHostName } from "../base/host.ts";
import { pickRecipient, type Recipient } from "../client/recipient.ts";
import type { LoadedConfig } from "../config/config.ts";
import { validateId } from "../hooks/hook-file.ts";
import { DEFAULT_POLICY_TEXT, type Policy, parsePolicy } from "../policy/policy.ts";
import { type LogChoice, ourOutputFd, parseUrgent, sameOpenFile, URGENT_DEFAULT } from "../run/index.ts";

export type Settings = { on: Policy; urgent: Policy; interval: number; tail: number };
export const DEFAULTS: Settings = {
  on: parsePolicy(DEFAULT_POLICY_TEXT) as Policy,
  urgent: URGENT_DEFAULT,
  interval: 30,
  tail: 10,
};
/** The settings that take the policy's words: their errors name the word that is wrong. */
const WORDS = new Set<keyof Settings>(["on", "urgent"]);
/** Beyond a day, timers overflow (Node and Bun fire them at once, then every millisecond). */
const MAXIMA: Partial<Record<keyof Settings, { value: number; why: string }>> = {
  interval: { value: 86_400, why: "one day" },
  // More lines than one post shows would only cost memory and time (10 million: 1.3 GB).
  tail: { value: 1000, why: "more do not fit in one post" },
};

/** Why a value cannot be used for the setting, or its parsed value. */
export function parseSetting<K extends keyof Settings>(
  key: K,
  value: string,
): { value: Settings[K] } | { error: string } {
  if (key === "on" || key === "urgent") {
    const policy = key === "on" ? parsePolicy(value) : parseUrgent(value);
    return "error" in policy ? policy : { value: policy as Settings[K] };
  }
  // Edits more often than every second add nothing a person can read, and an array's tasks
  // together hit the server's rate limit.
  const min = key === "interval" ? 1 : 0;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min) return { error: `must be a number ≥ ${min}` };
  const max = MAXIMA[key];
  if (max && n > max.value) return { error: `must be at most ${max.value} (${max.why})` };
  return { value: (key === "tail" ? Math.floor(n) : n) as Settings[K] };
}

/** `--on`, the same words for `mmn run` and `mmn watch`. */
export const ON_FLAG = {
  type: "string",
  description:
    "the events that notify, comma-separated: begin, end, fail, requeue, time-limit-50/80/90, never-runs, array-digest or array-tasks; always (default: end, fail, time-limit-90, never-runs), failure (only a failed end is posted), all, none",
  valueHint: "EVENTS",
} as const;

/** A bad flag is the user's mistake, seen at once: refused before anything runs. */
export function flagSettings(values: Partial<Record<keyof Settings, string>>): Partial<Settings> {
  const out: Partial<Settings> = {};
  for (const key of Object.keys(DEFAULTS) as Array<keyof Settings>) {
    const value = values[key];
    if (value === undefined) continue;
    const parsed = parseSetting(key, value);
    // The policy's error names the word that is wrong, among several.
    if ("error" in parsed)
      throw new UsageError(`--${key} ${parsed.error}${WORDS.has(key) ? "" : `, not ${JSON.stringify(value)}`}`);
    Object.assign(out, { [key]: parsed.value });
  }
  return out;
}

/**
 * The configuration's defaults under the flags; a bad one is the default, with a warning naming the key and the
 * file.
 */
export function configSettings(
  loaded: LoadedConfig | undefined,
  flags: Partial<Settings>,
  warn: (message: string) => void,
  /** The settings the command has (`mmn watch`: `on` alone). */
  keys: ReadonlyArray<keyof Settings> = Object.keys(DEFAULTS) as Array<keyof Settings>,
): Settings {
  const out = { ...DEFAULTS, ...flags };
  for (const key of keys) {
    const value = loaded?.config[key];
    if (value === undefined || key in flags) continue;
    const parsed = parseSetting(key, value);
    if ("value" in parsed) Object.assign(out, { [key]: parsed.value });
    else
      warn(
        `${key}=${value} in ${loaded?.sources[key] ?? "the configuration"} ${parsed.error}: using ${shown(DEFAULTS[key])}`,
      );
  }
  return out;
}

function shown(value: Settings[keyof Settings]): string {
  return typeof value === "number" ? String(value) : value.text;
}

/** Who gets the notifying reply, and whom it @-mentions. */
export interface Audience {
  recipient: Recipient | undefined;
  mention: string | undefined;
}

/**
 * `--mention NAME`, `--mention` alone (the configured `mention=`, else the user the run
 * reports to, else `user=`), or `mention=` by itself. In a channel the reply reaches only
 * the thread's followers: without a mention nobody is notified, which is said.
 */
export function audience(
  target: { user?: string; channel?: string },
  mentionFlag: string | true | undefined,
  config: { user?: string | undefined; channel?: string | undefined; mention?: string | undefined },
  warn: (message: string) => void,
): Audience {
  const recipient = pickRecipient(target, config);
  const named = typeof mentionFlag === "string" ? mentionFlag.replace(/^@/, "") : undefined;
  const mention =
    named ||
    (mentionFlag || config.mention
      ? (config.mention ?? (recipient && "user" in recipient ? recipient.user : config.user))
      : undefined);
  if (mentionFlag === true && !mention)
    warn("--mention needs a user to mention: --mention NAME, or mention= or user= in the configuration");
  if (recipient && "channel" in recipient && !mention) {
    warn(
      `in ~${recipient.channel} the final reply notifies only people who follow its thread: --mention NAME (or mention= in the configuration) notifies someone`,
    );
  }
  return { recipient, mention };
}

/**
 * A file to write, never a FIFO (which would hold the job), a device, another user's
 * symlink (which would have us empty the file it points to) or another user's file (they
 * could read the log, and rewrite what is attached as it); told before the command runs,
 * not after it has run for hours.
 */
export async function checkLog(
  path: string | undefined,
  warn: (message: string) => void,
): Promise<LogChoice | undefined> {
  if (path === undefined) return undefined;
  if (path === "") throw new UsageError("--log needs a file name");
  // `--log job.out … > job.out 2>&1` (#SBATCH -o job.out): the output is written there
  // already; emptied and written again it would hold everything twice, after NUL bytes.
  const output = ourOutputFd(path);
  if (output) {
    refuseForeign(path, output);
    // Only when both streams go there does that file hold the whole output: said, and on.
    if (!sameOpenFile(1, 2))
      warn(`--log ${path} is where only one of stdout and stderr goes: the log attached holds that one`);
    return { path, isOutput: true, fd: output };
  }
  const hint = { hint: "give --log a file in a directory you can write to" };
  let target: string;
  try {
    target = await writeTarget(path);
  } catch (error) {
    const words = errnoText(error);
    throw new UsageError(`cannot write the log ${path}: ${words.startsWith("is ") ? "it" : "it is"} ${words}`, hint);
  }
  let fd: number;
  try {
    // Made now, so that a directory that is missing or not ours is said before the command runs.
    fd = openSync(
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
      0o600,
    );
  } catch (error) {
    throw new UsageError(`cannot write the log ${path}: ${errnoText(error)}`, hint);
  }
  try {
    // What was opened, not what was looked at: a FIFO or a file swapped in meanwhile is refused too.
    if (!fstatSync(fd).isFile())
      throw new UsageError(`cannot write the log ${path}: it is ${errnoText("ENOTREG")}`, hint);
    refuseForeign(path, fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return { path: target, isOutput: false, fd };
}

/** Another user's log could be read by them and rewritten under us: refused like their symlink. */
function refuseForeign(path: string, fd: number): void {
  const me = process.geteuid?.();
  const { uid } = fstatSync(fd);
  if (me !== undefined && uid !== me)
    throw new UsageError(`cannot use the log ${path}: it belongs to another user (uid ${uid})`, {
      hint: "give --log a file of your own",
    });
}

/**
 * Who may control a run from the phone by reacting to its status post: the users `control=`
 * lists (commas between), else the DM's recipient; `control=off` (or a channel without a list): nobody.
 */
export function controlUsers(configured: string | undefined, recipient: Recipient | undefined): string[] {
  const value = configured?.trim() ?? "";
  if (/^(off|no|none|false)$/i.test(value)) return [];
  if (!value) return recipient && "user" in recipient ? [recipient.user] : [];
  return value
    .split(",")
    .map((name) => name.trim().replace(/^@/, ""))
    .filter(Boolean);
}

/** --attach's globs, else `attach=` of the configuration (globs separated by commas). */
export function attachGlobs(flags: readonly string[], configured: string | undefined): string[] {
  if (flags.length) return [...flags];
  return (configured ?? "")
    .split(",")
    .map((glob) => glob.trim())
    .filter(Boolean);
}

export async function runId(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return validateId(flag);
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `run-${await shortHostName()}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
