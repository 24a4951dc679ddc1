import { type Cause, causeOf, type EndFacts, type Received, signalCause } from "../../scheduler/cause.ts";
import type { Env, JobContext, JobState, Scheduler, TimeLimit } from "../../scheduler/scheduler.ts";
import { schedulerOf } from "../../scheduler/schedulers.ts";
import { formatLimit } from "../../scheduler/units.ts";
import type { ChildResult } from "../process/child.ts";
import { type Allocation, allocation } from "./allocation.ts";
import { askAgain, within } from "./ask-again.ts";
import { JobCgroup } from "./cgroup.ts";
import { GpuMeter, type GpuSummary } from "./gpu.ts";
import { type RestartFacts, restartFacts } from "./restart.ts";
import { Suspension } from "./suspension.ts";
import { UsageMeter } from "./usage.ts";

/**
 * Everything mmn learns about the job beside its output: what it uses (sampled at each tick),
 * its time limit (asked once, in the background), and who stopped it (the signals mmn got and
 * when, the cgroup's counters, the scheduler's word). It never delays the command or a tick.
 */

/** What the job used against what it was given, as the card shows it. */
export interface Resources {
  allocation: Allocation;
  /** The scheduler's kind, whose words the advice uses. */
  scheduler?: string;
  cpuSeconds?: number;
  /** An srun in the tree: its tasks' CPU time is not ours to count. */
  srun: boolean;
  /** Now while running; the peak at the end. */
  memory?: number;
  /** The job cgroup's limit. */
  memoryLimit?: number;
  gpu?: GpuSummary;
}

export interface WatchOptions {
  job: JobContext | undefined;
  env?: Env;
  /** The percentages of the time limit said (--on time-limit-50/80/90), in order. */
  warnAt: ReadonlyArray<50 | 80 | 90>;
  /** How long after the start a mark already past is said (default 1 s). */
  lateWarningMs?: number;
  /** The time limit is near: said once at each of `warnAt`, with the time left. */
  onLimitNear: (leftMs: number, percent: 50 | 80 | 90) => void;
  /** The scheduler explained a stopping signal while the command still runs: worth an edit now. */
  onNews: () => void;
  debug?: (message: string) => void;
}

const STOPPING = new Set(["SIGTERM", "SIGINT", "SIGHUP"]);
/** What `sbatch --signal` (or `bsub -wa`) is mostly asked to send before the time limit, for a checkpoint. */
const WARNING = new Set(["SIGUSR1", "SIGUSR2"]);
/** How long the scheduler may take to say why a SIGTERM came, counted from the signal: within the 2.5 s the end has after it. */
const STATE_WAIT_MS = 2000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const LATE_WARNING_MS = 1000;
/** Samples of the command's tree soon after the start, besides the ticks. */
const EARLY_SAMPLES_MS = [100, 1000];
/** How long the end waits for sacct's word on a requeued job's earlier runs. */
const RESTART_WAIT_MS = 1000;

export class JobWatch {
  readonly #options: WatchOptions;
  readonly #scheduler: Scheduler;
  readonly #allocation: Allocation;
  readonly #usage: UsageMeter;
  readonly #gpu: GpuMeter | undefined;
  readonly #restartsAtStart: number;
  #limit: TimeLimit | undefined;
  readonly #warnings = new Map<number, ReturnType<typeof setTimeout>>();
  #stop: Received | undefined;
  #warned: { signal: string; at: number } | undefined;
  #asking: Promise<void> | undefined;
  #state: JobState | undefined;
  #ended = false;
  readonly #suspension = new Suspension();
  #restart: RestartFacts | undefined;
  #restartAsked: Promise<unknown> | undefined;
  /** The cause is decided: later answers come too late. */
  #decided = false;

  constructor(options: WatchOptions) {
    const env = options.env ?? process.env;
    this.#options = options;
    this.#scheduler = schedulerOf(options.job);
    this.#allocation = allocation(options.job, env);
    this.#usage = new UsageMeter(JobCgroup.find());
    this.#gpu = GpuMeter.find(this.#scheduler.allocated(env).gpus, env);
    this.#restartsAtStart = options.job?.restarts ?? 0;
  }

  /** The command runs: its tree is watched, and the scheduler asked for the time limit. */
  start(pid: number | undefined): void {
    this.#usage.watch(pid);
    this.#suspension.start();
    // The first tick's sample may find the command still loading; a short one is seen again before it ends.
    for (const ms of EARLY_SAMPLES_MS) setTimeout(() => this.#ended || this.#usage.sample(), ms).unref?.();
    const job = this.#options.job;
    if (!job) return;
    if (job.restarts)
      this.#restartAsked = restartFacts(this.#scheduler, job.jobId).then((facts) => {
        this.#options.debug?.(`earlier runs: ${facts ? JSON.stringify(facts) : "not known"}`);
        this.#restart = facts;
      });
    const asked = performance.now();
    this.#scheduler.timeLimit(job.jobId, this.#options.env ?? process.env).then((limit) => {
      this.#options.debug?.(`time limit: ${limit ? describeLimit(limit) : "not known"} (${elapsed(asked)})`);
      if (!limit || this.#ended) return;
      this.#limit = limit;
      this.#scheduleWarnings(limit);
    });
  }

  /** Each percentage still ahead; of those already past at the start, only the last is said. */
  #scheduleWarnings(limit: TimeLimit): void {
    if (!limit.limitMs) return;
    const at = (percent: number) => limit.endsAt - (1 - percent / 100) * limit.limitMs!;
    const past = this.#options.warnAt.filter((p) => at(p) <= Date.now());
    for (const percent of this.#options.warnAt)
      if (at(percent) > Date.now() || percent === past.at(-1)) this.#scheduleWarning(limit, percent);
  }

  #scheduleWarning(limit: TimeLimit, percent: 50 | 80 | 90, first = true): void {
    if (!limit.limitMs || this.#ended) return;
    const at = limit.endsAt - (1 - percent / 100) * limit.limitMs;
    // Started already past it (a late step of a batch script): said a moment after the start, once the status is out.
    const wait = first ? Math.max(at - Date.now(), this.#options.lateWarningMs ?? LATE_WARNING_MS) : at - Date.now();
    if (limit.endsAt <= Date.now()) return;
    if (wait <= 0) return this.#options.onLimitNear(Math.max(0, limit.endsAt - Date.now()), percent);
    // A timer takes at most 2^31 - 1 ms (24.8 days); a longer limit is waited for in steps.
    this.#warnings.set(
      percent,
      setTimeout(() => this.#scheduleWarning(limit, percent, false), Math.min(wait, MAX_TIMER_MS)),
    );
  }

  /** At each tick: a few small reads, and nvidia-smi started in the background. */
  tick(gpus = true): void {
    this.#usage.sample();
    this.#suspension.commandStopped(this.#usage.now().stoppedSince);
    if (gpus) this.#gpu?.sample();
  }

  /** Time spent suspended, not counted as run time; since when, while the command is stopped. */
  get suspended(): { totalMs: number; since?: number } {
    const since = this.#suspension.since;
    return { totalMs: this.#suspension.totalMs, ...(since !== undefined ? { since } : {}) };
  }

  /** What accounting knows of a requeued job's earlier runs. */
  get restart(): RestartFacts | undefined {
    return this.#restart;
  }

  /**
   * A signal the command was sent. The first that asks a job to stop, from anyone but the
   * terminal, sends the scheduler its question at once, in parallel with passing it on.
   */
  signal(signal: string, forwarded: boolean): void {
    if (WARNING.has(signal)) this.#warned ??= { signal, at: Date.now() };
    if (!STOPPING.has(signal) || this.#stop) return;
    this.#stop = { signal, at: Date.now(), fromTerminal: !forwarded };
    if (forwarded) this.#askWhy();
  }

  /** The scheduler's question, asked again while its answer has not moved, until STATE_WAIT_MS after the signal. */
  #askWhy(): void {
    const job = this.#options.job;
    if (!job || !this.#scheduler.explainsSignals || signalCause(this.#facts())?.kind === "time-limit") return;
    this.#asking = askAgain({
      ask: (timeoutMs) => this.#scheduler.state(job.jobId, timeoutMs),
      until: this.#stop!.at + STATE_WAIT_MS,
      onAnswer: (state, tookMs) => {
        this.#options.debug?.(
          `the job's state: ${state ? JSON.stringify(state) : "no answer"} (${Math.round(tookMs)} ms)`,
        );
        if (!state) return;
        const news = JSON.stringify(state) !== JSON.stringify(this.#state);
        this.#state = state;
        if (news && !this.#ended) this.#options.onNews();
      },
      again: () => !this.#decided && this.#unmoved(),
    });
  }

  /** No answer yet, or one that says the job still runs: the scheduler may not have caught up. */
  #unmoved(): boolean {
    const kind = signalCause(this.#facts())?.kind;
    return kind === "not-scheduler" || kind === "scheduler";
  }

  /** Why the job is stopping, once known: shown while the command finishes. */
  stoppingCause(): Cause | undefined {
    return this.#stop ? signalCause(this.#facts()) : undefined;
  }

  get timeLimit(): string | undefined {
    return this.#limit?.limitMs ? formatLimit(this.#limit.limitMs) : undefined;
  }

  /** What the card shows while the command runs. */
  resources(): Resources {
    const now = this.#usage.now();
    return this.#view(now.cpuSeconds, now.memory, now.srun);
  }

  /**
   * The end: the scheduler's answer waited for until STATE_WAIT_MS after the signal, and at
   * most `waitMs`; the cgroup's counters read; the cause decided.
   */
  async end(result: ChildResult, waitMs: number): Promise<{ cause?: Cause; resources: Resources }> {
    this.#ended = true;
    for (const timer of this.#warnings.values()) clearTimeout(timer);
    this.#suspension.stop();
    // proctrack/linuxproc signals every process of the job: the command may die of it before our own handler runs.
    if (!this.#stop && result.signal === "SIGTERM" && this.#options.job) {
      this.#stop = { signal: result.signal, at: Date.now(), fromTerminal: false };
      this.#askWhy();
    }
    if (this.#asking && this.#stop && this.#unmoved()) {
      await within(this.#asking, Math.min(waitMs, Math.max(0, this.#stop.at + STATE_WAIT_MS - Date.now())));
    }
    // A short restart ends before sacct answers: its word is waited for a moment.
    if (this.#restartAsked && !this.#restart) await within(this.#restartAsked, Math.min(waitMs, RESTART_WAIT_MS));
    this.#decided = true;
    const usage = this.#usage.end(result.usage);
    const cause = causeOf(result, { ...this.#facts(), ...(usage.memory ? { memory: usage.memory } : {}) });
    const resources = this.#view(usage.cpuSeconds, usage.peakMemory, usage.srun, usage.memory?.limit);
    return { ...(cause ? { cause } : {}), resources };
  }

  /** Stops the timers: nothing of ours keeps the process alive. */
  stop(): void {
    this.#ended = true;
    for (const timer of this.#warnings.values()) clearTimeout(timer);
    this.#suspension.stop();
  }

  #facts(): EndFacts {
    return {
      job: this.#options.job,
      ...(this.#stop ? { stop: this.#stop } : {}),
      ...(this.#limit ? { limit: this.#limit } : {}),
      ...(this.#state ? { state: this.#state } : {}),
      ...(this.#warned ? { warned: this.#warned } : {}),
      restartsAtStart: this.#restartsAtStart,
    };
  }

  #view(cpuSeconds: number | undefined, memory: number | undefined, srun: boolean, limit?: number): Resources {
    const gpu = this.#gpu?.summary();
    const memoryLimit = limit ?? this.#usage.memoryLimit;
    return {
      allocation: this.#allocation,
      ...(this.#options.job ? { scheduler: this.#options.job.scheduler } : {}),
      ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
      srun,
      ...(memory !== undefined ? { memory } : {}),
      ...(memoryLimit !== undefined ? { memoryLimit } : {}),
      ...(gpu ? { gpu } : {}),
    };
  }
}

function elapsed(since: number): string {
  return `${Math.round(performance.now() - since)} ms`;
}

function describeLimit(limit: TimeLimit): string {
  const end = new Date(limit.endsAt).toString();
  return limit.limitMs ? `${formatLimit(limit.limitMs)}, ending ${end}` : `ending ${end}`;
}
