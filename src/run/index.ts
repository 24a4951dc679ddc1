/**
 * `run/` from outside: what `mmn run` (cli/run.ts and cli/run-options.ts) needs to wrap a
 * command, and nothing else of the folder's insides.
 */
import type { WrapOptions, WrapResult } from "./session/options.ts";

export { arrayTask } from "./array/array.ts";
export { closeArrays } from "./array/close.ts";
export { INHERITED_FDS } from "./process/fds.ts";
export { oneArena, softLimits, tooTight } from "./process/limits.ts";
export { LineEnd } from "./process/lineend.ts";
export { runPlain } from "./process/plain.ts";
export { ourOutputFd, sameOpenFile } from "./process/samefile.ts";
export { catchSignals } from "./process/signals.ts";
export { startPreview } from "./report/preview.ts";
export { parseUrgent, toldEvents, URGENT_DEFAULT } from "./report/urgent.ts";
export type { LogChoice, RunTiming, WrapOptions, WrapResult } from "./session/options.ts";

import type { Watcher, WatchOptions } from "./watch/watcher.ts";

export type { Watcher, WatchOptions };

/**
 * The wrapper's code is loaded when the run begins, not with the command's flags: signals are
 * caught, and the configuration read, before it is.
 */
export async function wrap(options: WrapOptions): Promise<WrapResult> {
  return (await import("./session/wrap.ts")).wrap(options);
}

/** `mmn watch`'s follower of jobs (and the relay's, with --watch): loaded when asked for. */
export async function watcher(options: WatchOptions): Promise<Watcher> {
  return new (await import("./watch/watcher.ts")).Watcher(options);
}
