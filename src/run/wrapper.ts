import { rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { joinPath } from "../disk.ts";
import { defaultHookDir, type MessageHook } from "../hooks.ts";
import type { Notify } from "../notify.ts";
import type { Recipient } from "../recipient.ts";
import type { ArrayTask } from "./array/array.ts";
import { ArrayReporter } from "./array/array-reporter.ts";
import { ArrayState } from "./array/tasks.ts";
import { RunClock } from "./clock.ts";
import { JobWatch } from "./job/watch.ts";
import { startChild } from "./process/child.ts";
import type { LineEnd } from "./process/lineend.ts";
import type { SignalRelay } from "./process/signals.ts";
import { privateTempDir } from "./process/tempdir.ts";
import { causeEndsRun } from "./report/cause.ts";
import { finish, serverMaxFileSize } from "./report/finish.ts";
import { jobContext } from "./report/job.ts";
import { displayCommand } from "./report/name.ts";
import { outcomeOf } from "./report/outcome.ts";
import { limitWarning, outcome, type Phase, type RunState } from "./report/render.ts";
import { Reporter } from "./report/reporter.ts";
import type { RunReporter } from "./report/run-reporter.ts";
import { TailBuffer } from "./tail/tail.ts";
import { stepClockForTests } from "./test-clock.ts";

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
  /** Keep the log here; otherwise a temporary file, removed at the end. */
  logPath?: string;
  /** The log is where our stdout or stderr goes already: not written again, attached as it is. */
  logIsOutput?: boolean;
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
  const { tempDir, logPath } = logLocation(options);
  const tail = new TailBuffer({ lines: options.tailLines });
  let outputBytes = 0;
  /** When the last output came, in the clock's milliseconds since the start. */
  let lastOutputAt: number | undefined;
  let stopping: NodeJS.Signals | undefined;
  const clock = new RunClock();
  const { startedAt } = clock;
  const job = jobContext();
  const state = (phase: Phase, at = clock.now()): RunState => {
    const quietMs = lastOutputAt === undefined ? 0 : at.getTime() - startedAt.getTime() - lastOutputAt;
    const why = stopping && watch.stoppingWhy();
    const limit = watch.timeLimit;
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
    ...(logPath && !options.logIsOutput ? { logPath } : {}),
    tail,
    onOutput: (bytes) => {
      outputBytes += bytes;
      lastOutputAt = clock.elapsedMs();
    },
    passFds: options.passFds,
    stderrLine: options.stderrLine,
  });
  watch.start(child.pid);
  stepClockForTests();
  let signalled = false;
  // A heartbeat every few minutes: a silent job's elapsed time and "last output" stay true.
  const beat = () => Math.floor(clock.elapsedMs() / options.heartbeatMs);
  const version = (): string =>
    `${stopping ?? ""}:${(stopping && watch.stoppingWhy()) ?? ""}:${tail.version}:${outputBytes}:${beat()}`;
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
  const budget = signalled ? options.signalBudgetMs : options.finishBudgetMs;
  const endedAt = clock.now();
  // The scheduler's word on a SIGTERM is waited for a little: a part of the end's budget, never more.
  const { cause, resources } = await watch.end(result, budget / 2);
  if (result.startError) options.warn(result.startError);
  if (result.logError) options.warn(`the log stopped: ${result.logError}`);
  const ended = outcomeOf(result, options.hideCommand);
  for (const [stream, reason] of ended.lost)
    options.warn(
      `cannot write the command's ${stream} (${reason}): the rest of it is lost, and the command's writes there failed`,
    );
  const phase = cause && causeEndsRun(cause) && ended.phase === "succeeded" ? "killed" : ended.phase;
  const final: RunState = { ...state(phase, endedAt), ...ended.fields, ...(cause ? { cause } : {}), resources };

  if (reporter && (options.on === "always" || reporter.reportsEveryEnd || final.phase !== "succeeded")) {
    const left = Math.max(0, budget - (clock.now().getTime() - endedAt.getTime()));
    const deadline = new Promise<"late">((resolve) => setTimeout(resolve, left, "late").unref());
    const work = finish(reporter, final, { ...options, logPath }, maxFileSize, Date.now() + left);
    if ((await Promise.race([work, deadline])) === "late") {
      const word = reporter.abandoned(budget / 1000);
      if (word) options.warn(word);
    }
  }
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  const hook = reporter?.hook;
  return { code: result.code, ...(hook ? { hook } : {}) };
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
    name: options.title ?? array.name,
    mention: options.mention,
    outcomeOf: outcome,
    warn,
    debug,
  });
}

/**
 * Where the log goes: --log's file, or one in a directory of our own, removed at the end.
 * Without --log and with --no-logs nothing needs one. A temporary directory that cannot be
 * had costs the attachment, never the run: one warning says where the log went instead.
 */
function logLocation(options: WrapOptions): { tempDir?: string; logPath?: string } {
  if (options.logPath) return { logPath: options.logPath };
  if (!options.attachLog) return {};
  const temp = privateTempDir("mmn-run-");
  const refused = temp.refused.join("; ");
  if (!temp.path) {
    options.warn(`no temporary directory for the log (${refused}): the outcome is reported without it`);
    return {};
  }
  if (refused)
    options.warn(`the temporary directory cannot hold the log (${refused}): it is written in ${temp.path} instead`);
  return { tempDir: temp.path, logPath: join(temp.path, `${options.id}.log`) };
}
