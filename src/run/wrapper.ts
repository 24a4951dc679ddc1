import { rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { joinPath } from "../disk.ts";
import { errorMessage } from "../errors.ts";
import { formatBytes } from "../files.ts";
import { defaultHookDir, type MessageHook } from "../hooks.ts";
import type { Notify } from "../notify.ts";
import type { Recipient } from "../recipient.ts";
import { causeStopsRun } from "../scheduler/cause.ts";
import { jobContext } from "../scheduler/schedulers.ts";
import type { ArrayTask } from "./array/array.ts";
import { ArrayReporter } from "./array/array-reporter.ts";
import { arrayName } from "./array/board.ts";
import { ArrayState } from "./array/tasks.ts";
import { JobWatch } from "./job/watch.ts";
import type { LogChoice } from "./options.ts";
import { type ChildResult, startChild } from "./process/child.ts";
import type { LineEnd } from "./process/lineend.ts";
import { LogFile } from "./process/logfile.ts";
import { fdPath } from "./process/samefile.ts";
import type { SignalRelay } from "./process/signals.ts";
import { privateTempDir } from "./process/tempdir.ts";
import type { LogLoss } from "./report/attachment.ts";
import { stoppingWords } from "./report/cause.ts";
import { finish, serverMaxFileSize } from "./report/finish.ts";
import { displayCommand } from "./report/name.ts";
import { outcomeOf } from "./report/outcome.ts";
import { limitWarning, outcome, type Phase, type RunState } from "./report/render.ts";
import { Reporter } from "./report/reporter.ts";
import type { RunReporter } from "./report/run-reporter.ts";
import { TailBuffer } from "./tail/tail.ts";

export interface WrapOptions {
  command: string[];
  /** Undefined when there is no configuration: the command runs all the same. */
  notify: Notify | undefined;
  /** Who gets the messages; none without notifications. */
  recipient?: Recipient;
  /** A task of a job array, reporting to the array's one board. */
  array?: ArrayTask;
  /** The id of the thread the run posts in (--thread). */
  thread?: string;
  /** Globs of the files to attach to the final reply, matched at the end. */
  attach?: readonly string[];
  id: string;
  title?: string;
  intervalMs: number;
  tailLines: number;
  attachLog: boolean;
  /** --log, checked and opened; otherwise the log is a temporary file, removed at the end. */
  log?: LogChoice;
  on: "always" | "failure";
  /** Put `@name` in the final reply. */
  mention?: string;
  hideCommand: boolean;
  /** Caught since before the start: the command gets what came before it existed. */
  signals: SignalRelay;
  /** Open files above stderr the command gets, as exec would pass them. */
  passFds: readonly number[];
  /** Told of the command's output that goes where our stderr goes, for our warnings among it. */
  stderrLine: LineEnd;
  /** Largest log attachment, before the server's own MaxFileSize. */
  maxLogBytes: number;
  /** How long to wait on the network after the command ended; less after SIGTERM. */
  finishBudgetMs: number;
  signalBudgetMs: number;
  /** A silent job's status is still edited this often, so that its elapsed time stays true. */
  heartbeatMs: number;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

export interface WrapResult {
  /** The command's exit code, as a shell reports it. */
  code: number;
  /** Where this run's status post is, when it was posted. */
  hook?: MessageHook;
}

/** The signals that ask a job to stop: the status says so at once. */
const STOPPING = new Set<NodeJS.Signals>(["SIGTERM", "SIGINT", "SIGHUP"]);

/** Run the command and keep Mattermost informed. */
export async function wrap(options: WrapOptions): Promise<WrapResult> {
  const { notify } = options;
  const { tempDir, log, logPath, place } = keepLog(options);
  const tail = new TailBuffer({ lines: options.tailLines });
  let outputBytes = 0;
  let lastOutputAt: number | undefined;
  let stopping: NodeJS.Signals | undefined;
  const startedAt = new Date();
  const job = jobContext();
  const state = (phase: Phase, at = new Date()): RunState => {
    const quietMs = lastOutputAt === undefined ? 0 : at.getTime() - lastOutputAt;
    const why = stopping && stoppingWords(watch.stoppingCause(), job);
    const limit = watch.timeLimit;
    const suspended = watch.suspended;
    const restart = watch.restart;
    return {
      phase,
      id: options.id,
      title: options.title,
      command: options.hideCommand ? undefined : displayCommand(options.command),
      ...(options.hideCommand ? {} : { argv: options.command }),
      host: hostname(),
      cwd: process.cwd(),
      startedAt,
      at,
      outputBytes,
      tail: options.tailLines > 0 ? tail.lines() : undefined,
      job,
      ...(stopping ? { stopping } : {}),
      ...(why ? { stoppingWhy: why } : {}),
      ...(limit ? { timeLimit: limit } : {}),
      ...(phase === "running" && quietMs >= options.heartbeatMs ? { quietMs } : {}),
      resources: watch.resources(),
      ...(suspended.totalMs ? { suspendedMs: suspended.totalMs } : {}),
      ...(phase === "running" && suspended.since !== undefined ? { suspendedSince: new Date(suspended.since) } : {}),
      ...(restart ? { restart } : {}),
    };
  };

  // `env` or `printenv` in a job would put the token into the tail and the log, that is into
  // Mattermost. A nested mmn still finds it in the configuration files.
  // MMN_RUN_ID: the command's own replies go to this run's thread (`mmn send --reply-to "$MMN_RUN_ID" -f plot.png`).
  const env = { ...process.env, MMN_TOKEN: undefined, MMN_RUN_ID: options.array?.boardId ?? options.id };
  const reporter = notify && options.recipient && createReporter(notify, options.recipient, options);
  const live = reporter && options.on === "always";
  const watch = new JobWatch({
    job,
    // An array's task warns no one of its own: the board is the array's one message.
    onLimitNear: (leftMs) => live && reporter.say?.(limitWarning(state("running"), leftMs)),
    onNews: () => {
      if (live && stopping) reporter.urgent(state("running"), version());
    },
    debug: options.debug,
  });
  const child = startChild({
    command: options.command,
    env,
    ...(log ? { log } : {}),
    tail,
    onOutput: (bytes) => {
      outputBytes += bytes;
      lastOutputAt = Date.now();
    },
    passFds: options.passFds,
    stderrLine: options.stderrLine,
  });
  watch.start(child.pid);
  let signalled = false;
  // A heartbeat every few minutes: a silent job's elapsed time and "last output" stay true.
  const beat = () => Math.floor((Date.now() - startedAt.getTime()) / options.heartbeatMs);
  const version = (): string =>
    `${stopping ?? ""}:${(stopping && stoppingWords(watch.stoppingCause(), job)) ?? ""}:${tail.version}:${outputBytes}:${beat()}:${watch.suspended.since ?? ""}`;
  // Caught until we exit: one more SIGTERM while the end is reported must not cut it short.
  options.signals.attach(child, (sig, forwarded) => {
    signalled = true;
    watch.signal(sig, forwarded);
    if (!STOPPING.has(sig) || stopping) return;
    stopping = sig;
    // Now, not at the next tick: a job that ignores it is SIGKILLed with us after KillWait.
    if (live) reporter.urgent(state("running"), version());
  });

  // An array's task asks only if it fails and attaches its log: a thousand tasks, a thousand requests otherwise.
  const maxFileSize = notify && !options.array ? serverMaxFileSize(notify) : Promise.resolve(undefined);
  watch.tick(false);
  if (live) reporter.tick(state("running"), "start");
  const timer = setInterval(() => {
    watch.tick();
    if (live) reporter.tick(state("running"), version());
  }, options.intervalMs);

  const result = await child.done;
  clearInterval(timer);
  // Whatever goes wrong from here on is said, never the job's exit code.
  try {
    await end(result);
  } catch (error) {
    options.warn(`could not report the end: ${errorMessage(error)}`);
  } finally {
    log?.close();
    try {
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    } catch (error) {
      options.warn(`could not remove ${tempDir}: ${errorMessage(error)}`);
    }
  }
  const hook = reporter?.hook;
  return { code: result.code, ...(hook ? { hook } : {}) };

  async function end(result: ChildResult): Promise<void> {
    const budget = signalled ? options.signalBudgetMs : options.finishBudgetMs;
    const endedAt = new Date();
    // The scheduler's word on a SIGTERM is waited for a little: a part of the end's budget, never more.
    const { cause, resources } = await watch.end(result, budget / 2);
    if (result.startError) options.warn(result.startError);
    const logLoss = log && lossOf(log, place);
    if (logLoss?.stopped) options.warn(`the log stopped: ${logLoss.stopped}`);
    else if (logLoss?.full && log?.total)
      options.warn(`${logLoss.full}: the log keeps the last ${formatBytes(log.kept)} of the output`);
    const ended = outcomeOf(result, options.hideCommand);
    for (const [stream, reason] of ended.lost)
      options.warn(
        `cannot write the command's ${stream} (${reason}): the rest of it is lost, and the command's writes there failed`,
      );
    const phase = cause && causeStopsRun(cause) && ended.phase === "succeeded" ? "killed" : ended.phase;
    const final: RunState = { ...state(phase, endedAt), ...ended.fields, ...(cause ? { cause } : {}), resources };

    if (!reporter || (options.on !== "always" && !reporter.reportsEveryEnd && final.phase === "succeeded")) return;
    const left = Math.max(0, budget - (Date.now() - endedAt.getTime()));
    const deadline = new Promise<"late">((resolve) => setTimeout(resolve, left, "late").unref());
    const work = finish(reporter, final, { ...options, logPath, logLoss }, maxFileSize, Date.now() + left);
    if ((await Promise.race([work, deadline])) === "late") {
      // Still on its way: a failure after we gave up is no news.
      work.catch(() => {});
      const word = reporter.abandoned(budget / 1000);
      if (word) options.warn(word);
    }
  }
}

/** A run reports on a status message of its own; an array's task on the array's board. */
function createReporter(notify: Notify, recipient: Recipient, options: WrapOptions): RunReporter {
  const { array, warn, debug } = options;
  if (!array) return new Reporter({ notify, recipient, id: options.id, thread: options.thread, warn, debug });
  return new ArrayReporter({
    notify,
    recipient,
    array,
    state: new ArrayState(joinPath(defaultHookDir(), ".arrays", array.boardId)),
    on: options.on,
    intervalMs: options.intervalMs,
    name: options.title ?? arrayName(array),
    mention: options.mention,
    outcomeOf: outcome,
    warn,
    debug,
  });
}

/**
 * Where the log goes: --log's file, or a ring in a directory of our own, removed at the end.
 * Without --log and with --no-logs nothing needs one. A temporary directory that cannot be
 * had costs the attachment, never the run: one warning says where the log went instead.
 * `logPath` reads back what was written, through its descriptor: never the name again.
 */
function keepLog(options: WrapOptions): { tempDir?: string; log?: LogFile; logPath?: string; place?: string } {
  const chosen = options.log;
  if (chosen?.isOutput) return { logPath: fdPath(chosen.fd) };
  if (chosen) return { log: LogFile.adopt(chosen.fd), logPath: fdPath(chosen.fd), place: dirname(chosen.path) };
  if (!options.attachLog) return {};
  const temp = privateTempDir("mmn-run-");
  const refused = temp.refused.join("; ");
  if (!temp.path) {
    options.warn(`no temporary directory for the log (${refused}): the outcome is reported without it`);
    return {};
  }
  if (refused)
    options.warn(`the temporary directory cannot hold the log (${refused}): it is written in ${temp.path} instead`);
  // Only the end is ever attached: the ring holds that much, and no more of $TMPDIR.
  const log = LogFile.create(join(temp.path, `${options.id}.log`), options.maxLogBytes);
  const parent = dirname(temp.path);
  const place = process.env.TMPDIR && parent === tmpdir() ? "$TMPDIR" : parent;
  return { tempDir: temp.path, log, ...(log.fd === undefined ? {} : { logPath: fdPath(log.fd) }), place };
}

/** What the log lacks, worded for the place it is in. */
function lossOf(log: LogFile, place = "its directory"): LogLoss | undefined {
  const skipped = log.total - log.kept;
  if (!log.error) return skipped > 0 ? { skipped } : undefined;
  const why =
    log.code === "ENOSPC"
      ? `${place} is full`
      : log.code === "EDQUOT"
        ? `the disk quota of ${place} is used up`
        : log.code === "EFBIG"
          ? "the file size limit (ulimit -f) is reached"
          : log.error;
  if (log.stopped) return { skipped: 0, stopped: why };
  return { skipped, full: why };
}
