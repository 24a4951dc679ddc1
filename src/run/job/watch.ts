import type { ChildResult } from "../process/child.ts";
import { type Cause, causeOf, type EndFacts, type Received, signalCause } from "../report/cause.ts";
import type { JobContext } from "../report/job.ts";
import type { Resources } from "../report/resources.ts";
import { type Allocation, allocation } from "./allocation.ts";
import { JobCgroup } from "./cgroup.ts";
import { GpuMeter } from "./gpu.ts";
import { formatLimit, type JobState, slurmState, type TimeLimit, timeLimit } from "./scheduler.ts";
import { UsageMeter } from "./usage.ts";

/**
 * Everything mmn learns about the job beside its output: what it uses (sampled at each tick),
 * its time limit (asked once, in the background), and who stopped it (the signals mmn got and
 * when, the cgroup's counters, the scheduler's word). It never delays the command or a tick.
 */

type Env = Record<string, string | undefined>;

export interface WatchOptions {
  job: JobContext | undefined;
  env?: Env;
  /** The time limit is near: said once, at 90 % of it, with the time left. */
  onLimitNear: (leftMs: number) => void;
  /** The scheduler explained a stopping signal while the command still runs: worth an edit now. */
  onNews: () => void;
  debug?: (message: string) => void;
}

const STOPPING = new Set(["SIGTERM", "SIGINT", "SIGHUP"]);
/** How long the scheduler may take to say why a SIGTERM came, counted from the signal. */
const STATE_WAIT_MS = 1000;
const WARN_AT = 0.9;
const MAX_TIMER_MS = 2 ** 31 - 1;
const LATE_WARNING_MS = 1000;

export class JobWatch {
  readonly #options: WatchOptions;
  readonly #allocation: Allocation;
  readonly #usage: UsageMeter;
  readonly #gpu: GpuMeter | undefined;
  readonly #restartsAtStart: number;
  #limit: TimeLimit | undefined;
  #warning: ReturnType<typeof setTimeout> | undefined;
  #stop: Received | undefined;
  /** When the stop came, by the monotonic clock: the wait for the scheduler's word counts from it. */
  #stoppedAt = 0;
  #asking: Promise<JobState | undefined> | undefined;
  #state: JobState | undefined;
  #ended = false;

  constructor(options: WatchOptions) {
    const env = options.env ?? process.env;
    this.#options = options;
    this.#allocation = allocation(options.job, env);
    this.#usage = new UsageMeter(JobCgroup.find());
    this.#gpu = GpuMeter.find(env);
    this.#restartsAtStart = options.job?.restarts ?? 0;
  }

  /** The command runs: its tree is watched, and the scheduler asked for the time limit. */
  start(pid: number | undefined): void {
    this.#usage.watch(pid);
    const job = this.#options.job;
    if (!job) return;
    const asked = performance.now();
    timeLimit(job, this.#options.env ?? process.env).then((limit) => {
      this.#options.debug?.(`time limit: ${limit ? describeLimit(limit) : "not known"} (${elapsed(asked)})`);
      if (!limit || this.#ended) return;
      this.#limit = limit;
      this.#scheduleWarning(limit);
    });
  }

  #scheduleWarning(limit: TimeLimit, first = true): void {
    if (!limit.limitMs || this.#ended) return;
    const at = limit.endsAt - (1 - WARN_AT) * limit.limitMs;
    // Started already past 90 % (a late step of a batch script): said a moment after the start, once the status is out.
    const wait = first ? Math.max(at - Date.now(), LATE_WARNING_MS) : at - Date.now();
    if (limit.endsAt <= Date.now()) return;
    if (wait <= 0) return this.#options.onLimitNear(Math.max(0, limit.endsAt - Date.now()));
    // A timer takes at most 2^31 - 1 ms (24.8 days); a longer limit is waited for in steps.
    this.#warning = setTimeout(() => this.#scheduleWarning(limit, false), Math.min(wait, MAX_TIMER_MS));
  }

  /** At each tick: a few small reads, and nvidia-smi started in the background. */
  tick(gpus = true): void {
    this.#usage.sample();
    if (gpus) this.#gpu?.sample();
  }

  /**
   * A signal the command was sent. The first that asks a job to stop, from anyone but the
   * terminal, sends the scheduler its question at once, in parallel with passing it on.
   */
  signal(signal: string, forwarded: boolean): void {
    if (!STOPPING.has(signal) || this.#stop) return;
    this.#stop = { signal, at: Date.now(), fromTerminal: !forwarded };
    this.#stoppedAt = performance.now();
    const job = this.#options.job;
    if (!forwarded || job?.scheduler !== "slurm" || signalCause(this.#facts())?.kind === "time-limit") return;
    const asked = performance.now();
    this.#asking = slurmState(job.jobId, STATE_WAIT_MS).then((state) => {
      this.#options.debug?.(`the job's state: ${state ? JSON.stringify(state) : "no answer"} (${elapsed(asked)})`);
      this.#state = state;
      if (state && !this.#ended) this.#options.onNews();
      return state;
    });
  }

  /** Why the job is stopping, once known: shown while the command finishes. */
  stoppingWhy(): string | undefined {
    const cause = this.#stop && signalCause(this.#facts());
    if (!cause || cause.kind === "scheduler") return undefined;
    return describeStop(cause);
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
    clearTimeout(this.#warning);
    if (this.#asking && this.#state === undefined && this.#stop) {
      const left = Math.min(waitMs, Math.max(0, this.#stoppedAt + STATE_WAIT_MS - performance.now()));
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.#asking, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    const usage = this.#usage.end(result.usage);
    const cause = causeOf(result, { ...this.#facts(), ...(usage.memory ? { memory: usage.memory } : {}) });
    const resources = this.#view(usage.cpuSeconds, usage.peakMemory, usage.srun, usage.memory?.limit);
    return { ...(cause ? { cause } : {}), resources };
  }

  /** Stops the timers: nothing of ours keeps the process alive. */
  stop(): void {
    this.#ended = true;
    clearTimeout(this.#warning);
  }

  #facts(): EndFacts {
    return {
      job: this.#options.job,
      ...(this.#stop ? { stop: this.#stop } : {}),
      ...(this.#limit ? { limit: this.#limit } : {}),
      ...(this.#state ? { state: this.#state } : {}),
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

/** Stopping words: the cause, said of a job that is still finishing. */
function describeStop(cause: Cause): string | undefined {
  switch (cause.kind) {
    case "time-limit":
      return `hit its time limit${cause.limit ? ` of ${cause.limit}` : ""}`;
    case "cancelled":
      return cause.certain ? "cancelled (scancel)" : "cancelled (scancel, or preempted)";
    case "preempted":
      return "preempted";
    case "requeued":
      return "requeued";
    case "not-scheduler":
      return "Slurm is not ending the job";
    default:
      return undefined;
  }
}
