import { joinPath } from "../../base/disk.ts";
import { defaultHookDir } from "../../hooks/hooks.ts";
import { limitWarnings, postsEarly } from "../../policy/policy.ts";
import { ancestry } from "../../scheduler/ancestry.ts";
import { signalsEveryProcess } from "../../scheduler/proctrack.ts";
import { jobContext, mainProcess } from "../../scheduler/schedulers.ts";
import { ArrayReporter } from "../array/array-reporter.ts";
import { arrayName } from "../array/board.ts";
import { ArrayState } from "../array/tasks.ts";
import { Registration } from "../report/registration.ts";
import { outcome } from "../report/render.ts";
import { Reporter } from "../report/reporter.ts";
import type { RunReporter } from "../report/run-reporter.ts";
import { WebhookReporter } from "../report/webhook-reporter.ts";
import { TailBuffer } from "../tail/tail.ts";
import { type KeptLog, keepLog } from "./kept-log.ts";
import type { WrapOptions } from "./options.ts";
import { RunProgress } from "./progress.ts";

/** Everything a run holds from before its command starts to after it is cleaned up. */
export interface Session {
  options: WrapOptions;
  kept: KeptLog;
  tail: TailBuffer;
  progress: RunProgress;
  /** Who reports the run, if anyone: its own status post, or its array's board. */
  reporter: RunReporter | undefined;
  /** The same, when it also edits while the run goes (--on always). */
  live: RunReporter | undefined;
}

/** The first step: the log's file, the tail, the reporter and the job's watch, before anything runs. */
export async function prepare(options: WrapOptions): Promise<Session> {
  const kept = keepLog(options.io, options.id, options.warn);
  const tail = new TailBuffer({ lines: options.report.tailLines });
  const reporter = createReporter(options);
  const live = reporter && postsEarly(options.report.on) ? reporter : undefined;
  const job = jobContext();
  const notMain = job && mainProcess(process.env, ancestry()) === "not-main";
  // Slurm signals every process of the job under proctrack/linuxproc: mmn hears it too, and speaks.
  const warning = notMain && (await signalsEveryProcess()) !== true ? NOT_MAIN : undefined;
  if (warning) options.warn(warning);
  const warnAt = limitWarnings(options.report.on);
  const progress = new RunProgress({ options, tail, job, live, warnAt, ...(warning ? { warning } : {}) });
  return { options, kept, tail, progress, reporter, live };
}

/** A run reports on a status message of its own; an array's task on the array's board. */
function createReporter(options: WrapOptions): RunReporter | undefined {
  const { warn, debug, id } = options;
  const { notify, recipient, array, thread, on, title, mention, urgent } = options.report;
  // A webhook needs no recipient (its own channel), and cannot keep a status post, a thread or a board.
  if (notify?.webhook) return new WebhookReporter({ notify, recipient, mention, urgent, warn, debug });
  if (!notify || !recipient) return undefined;
  const { endUnansweredMs: unansweredMs } = options.timing;
  if (!array) {
    const registration = new Registration({ mention, on: on.text, debug });
    const schedule = { baseMs: options.timing.intervalMs, minuteMs: options.timing.paceMinuteMs };
    return new Reporter({
      ...{ notify, recipient, id, thread, unansweredMs, warn, debug, registration, urgent, mention, schedule },
    });
  }
  return new ArrayReporter({
    notify,
    recipient,
    array,
    state: new ArrayState(joinPath(defaultHookDir(), ".arrays", array.boardId)),
    policy: on,
    intervalMs: options.timing.intervalMs,
    gatherMs: options.timing.arrayGatherMs,
    unansweredMs,
    name: title ?? arrayName(array),
    mention,
    outcomeOf: outcome,
    warn,
    debug,
  });
}

/**
 * Said once at the start, on stderr and on the status card: a wrapper the scheduler does not
 * signal is killed with the batch script, and its status would say "running" for ever.
 */
const NOT_MAIN =
  'mmn is not the job\'s main process: a scancel or time limit will kill it before it can report; start it with `exec mmn run …` (sbatch --wrap "exec mmn run -- …")';
