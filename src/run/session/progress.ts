import { hostname } from "node:os";
import type { JobContext } from "../../scheduler/scheduler.ts";
import { RunClock } from "../clock.ts";
import { UsageHistory } from "../job/history.ts";
import { JobWatch } from "../job/watch.ts";
import { stoppingWords } from "../report/cause.ts";
import { displayCommand } from "../report/name.ts";
import { limitWarning, type Phase, type RunState, stoppedFromChat } from "../report/render.ts";
import type { RunReporter } from "../report/run-reporter.ts";
import { isUrgent } from "../report/urgent.ts";
import type { TailBuffer } from "../tail/tail.ts";
import type { WrapOptions } from "./options.ts";

/** The signals that ask a job to stop: the status says so at once. */
const STOPPING = new Set<NodeJS.Signals>(["SIGTERM", "SIGINT", "SIGHUP"]);

export interface ProgressOptions {
  options: WrapOptions;
  tail: TailBuffer;
  job: JobContext | undefined;
  /** The reporter of live edits: none under --on failure, or without notifications. */
  live: RunReporter | undefined;
  /** The time limit's percentages that are warned of (--on time-limit-50/80/90). */
  warnAt: ReadonlyArray<50 | 80 | 90>;
  /** Said on the card from the start: mmn will not be able to report the end (see prepare.ts). */
  warning?: string;
}

/**
 * What the run has shown so far (its output, the signal that asks it to stop, the job beside
 * it), as the state a status post draws, and news that cannot wait for the next tick told
 * to the live reporter at once.
 */
export class RunProgress {
  readonly clock = new RunClock();
  readonly startedAt = this.clock.startedAt;
  readonly watch: JobWatch;
  /** A signal came: the end has the shorter budget. */
  signalled = false;
  #outputBytes = 0;
  /** When the last output came, in the clock's milliseconds since the start. */
  #lastOutputAt: number | undefined;
  #stopping: NodeJS.Signals | undefined;
  readonly #usage = new UsageHistory();
  /** Who stopped it from Mattermost (🛑). */
  #stoppedBy: string | undefined;

  constructor(private readonly progress: ProgressOptions) {
    const { job, live, options, warnAt } = progress;
    this.watch = new JobWatch({
      job,
      warnAt,
      lateWarningMs: options.timing.lateWarningMs,
      // An array's task warns no one of its own: the board is the array's one message.
      onLimitNear: (leftMs, percent) =>
        live?.say?.(
          limitWarning(this.state("running"), leftMs),
          isUrgent({ kind: "time-limit", percent }, options.report.urgent),
        ),
      onNews: () => {
        if (this.#stopping) live?.urgent(this.state("running"), this.version());
      },
      debug: options.debug,
    });
  }

  /** A tick: the job's readings taken, and kept over time for the sparklines and the chart. */
  sample(): void {
    this.watch.tick();
    this.#usage.record(this.clock.elapsedMs(), this.watch.resources());
  }

  output(bytes: number): void {
    this.#outputBytes += bytes;
    this.#lastOutputAt = this.clock.elapsedMs();
  }

  /** A signal was caught (and passed on, or not): one that asks the job to stop is told now. */
  signal(sig: NodeJS.Signals, forwarded: boolean): void {
    this.signalled = true;
    this.watch.signal(sig, forwarded);
    if (!STOPPING.has(sig) || this.#stopping) return;
    this.#stopping = sig;
    // Now, not at the next tick: a job that ignores it is SIGKILLed with us after KillWait.
    this.progress.live?.urgent(this.state("running"), this.version());
  }

  /** 🛑 from Mattermost: told at once, as a SIGTERM that asks the job to stop (the command gets it next). */
  stoppedFromChat(by: string): void {
    if (this.#stoppedBy) return;
    this.#stoppedBy = by;
    this.#stopping ??= "SIGTERM";
    this.progress.live?.urgent(this.state("running"), this.version());
  }

  /** What changed since the last edit, in one word: a heartbeat every few minutes keeps a silent job's times true. */
  version(): string {
    const { watch } = this;
    const { heartbeatMs } = this.progress.options.timing;
    const beat = Math.floor(this.clock.elapsedMs() / heartbeatMs);
    const stopping = this.#stopping;
    return `${stopping ?? ""}:${this.#stoppedBy ?? ""}:${(stopping && stoppingWords(watch.stoppingCause(), this.progress.job)) ?? ""}:${this.progress.tail.version}:${this.#outputBytes}:${beat}:${watch.suspended.since ?? ""}`;
  }

  state(phase: Phase, at = this.clock.now()): RunState {
    const { options, tail, job } = this.progress;
    const { command, id } = options;
    const { title, hideCommand, tailLines } = options.report;
    const { watch } = this;
    const quietMs = this.#lastOutputAt === undefined ? 0 : at.getTime() - this.startedAt.getTime() - this.#lastOutputAt;
    const stopping = this.#stopping;
    const by = this.#stoppedBy;
    const why = by
      ? stoppedFromChat(by).replace(/^was /, "")
      : stopping && stoppingWords(watch.stoppingCause(), this.progress.job);
    const limit = watch.timeLimit;
    const suspended = watch.suspended;
    const restart = watch.restart;
    return {
      phase,
      id,
      title,
      command: hideCommand ? undefined : displayCommand(command),
      ...(hideCommand ? {} : { argv: command }),
      host: hostname(),
      cwd: process.cwd(),
      startedAt: this.startedAt,
      at,
      outputBytes: this.#outputBytes,
      tail: tailLines > 0 ? tail.lines() : undefined,
      job,
      ...(stopping ? { stopping } : {}),
      ...(why ? { stoppingWhy: why } : {}),
      ...(limit ? { timeLimit: limit } : {}),
      ...(phase === "running" && quietMs >= options.timing.heartbeatMs ? { quietMs } : {}),
      resources: watch.resources(),
      ...(suspended.totalMs ? { suspendedMs: suspended.totalMs } : {}),
      ...(phase === "running" && suspended.since !== undefined ? { suspendedSince: new Date(suspended.since) } : {}),
      ...(restart ? { restart } : {}),
      ...(this.progress.warning ? { warning: this.progress.warning } : {}),
      ...(by ? { stoppedBy: by } : {}),
      usage: this.#usage.series(),
    };
  }
}
