import { errorMessage } from "../../base/errors.ts";
import { end } from "./end.ts";
import { releaseLog } from "./kept-log.ts";
import type { WrapOptions, WrapResult } from "./options.ts";
import { prepare } from "./prepare.ts";
import { follow, start } from "./start.ts";

/**
 * Run the command and keep Mattermost informed, in named steps: prepare (the log, the
 * reporter, the job's watch) → start (the command, its signals, the live edits) → follow
 * (until it ends) → end (the outcome reported within its budget) → clean up (the log).
 */
export async function wrap(options: WrapOptions): Promise<WrapResult> {
  const session = await prepare(options);
  const running = start(session);
  const result = await follow(running);
  // Whatever goes wrong from here on is said, never the job's exit code.
  try {
    await end(session, running, result);
  } catch (error) {
    options.warn(`could not report the end: ${errorMessage(error)}`);
  } finally {
    releaseLog(session.kept, options.warn);
  }
  const hook = session.reporter?.hook;
  return { code: result.code, ...(hook ? { hook } : {}) };
}
