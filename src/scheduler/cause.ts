import type { JobContext, JobState, TimeLimit } from "./scheduler.ts";
import { formatLimit } from "./units.ts";

/**
 * Who stopped the job, when it was not the command's own doing: the time limit, scancel, a
 * preemption, a requeue, the out-of-memory killer. Decided from what mmn saw (the signals it
 * received and when, the job cgroup's counters) and what the scheduler said, cheapest first.
 */

export type Cause =
  | { kind: "time-limit"; limit?: string }
  | { kind: "cancelled"; certain: boolean }
  | { kind: "preempted" }
  | { kind: "requeued"; restart?: number }
  /** The scheduler ended the job because its node failed or was set down (Slurm's NODE_FAIL). */
  | { kind: "node-fail"; scheduler: string }
  /** A SIGTERM in a job that the scheduler did not explain in time. */
  | { kind: "scheduler"; signal: string; scheduler: string }
  /** The scheduler still ran the job: the signal came from someone else. */
  | { kind: "not-scheduler"; signal: string }
  | { kind: "oom"; kills: number; peak?: number; limit: number; command: "killed" | "failed" | "succeeded" }
  /** A kernel that counts no kills (RHEL 7): SIGKILL with the cgroup at its limit. */
  | { kind: "memory-limit"; peak: number; limit: number }
  /**
   * A warning signal (SIGUSR1, SIGUSR2) came and the command then ended of its own accord, as a
   * job that checkpoints at `sbatch --signal=B:USR1@300` does. `near`: the time limit was near
   * (the scheduler's warning), far (scancel --signal or kill), or not known.
   */
  | { kind: "warned"; signal: string; near: "limit" | "far" | "unknown"; command: Outcome; scheduler: string };

type Outcome = "succeeded" | "failed" | "killed";

/** How the command ended, as the cause needs it (a ChildResult). */
export interface CommandEnd {
  code: number;
  signal: string | null;
  startError?: string;
}

/** The job cgroup's memory at the end. */
export interface MemoryAtEnd {
  /** The binding limit, of our cgroup or the nearest ancestor that has one. */
  limit: number;
  /** The most that cgroup held (page cache included), when the kernel keeps it. */
  peak?: number;
  /** Processes the out-of-memory killer took since the start; undefined where the kernel does not say. */
  oomKills?: number;
  /** v1 counts the times the limit was hit: a clue on kernels too old to count kills. */
  limitHits?: number;
}

/** A signal that asks the job to stop, as mmn received it. */
export interface Received {
  signal: string;
  at: number;
  /** Typed at the terminal: the user's own Ctrl-C, no scheduler's. */
  fromTerminal: boolean;
}

export interface EndFacts {
  job: JobContext | undefined;
  stop?: Received;
  limit?: TimeLimit;
  /** The scheduler's answer when the signal came; undefined when it gave none in time. */
  state?: JobState;
  /** The job's restarts when we started (SLURM_RESTART_COUNT). */
  restartsAtStart: number;
  /** The first warning signal (SIGUSR1, SIGUSR2) the command was sent. */
  warned?: { signal: string; at: number };
  memory?: MemoryAtEnd;
}

/** Slurm's time-limit check runs every 30 s, at the end time or after; a clock a little off is allowed for. */
const LIMIT_MARGIN_MS = 5000;
/** A warning this close to the end time is the scheduler's (`--signal=B:USR1@SECONDS` asks for minutes, mostly). */
const WARNING_WINDOW_MS = 3600_000;

export function causeOf(result: CommandEnd, facts: EndFacts): Cause | undefined {
  if (result.startError) return undefined;
  return memoryCause(result, facts) ?? signalCause(facts) ?? warnedCause(result, facts);
}

function warnedCause(result: CommandEnd, facts: EndFacts): Cause | undefined {
  const { warned, job, limit } = facts;
  if (!warned || !job) return undefined;
  const near = !limit
    ? "unknown"
    : warned.at >= limit.endsAt - WARNING_WINDOW_MS && warned.at <= limit.endsAt + LIMIT_MARGIN_MS
      ? "limit"
      : "far";
  const command = result.signal ? "killed" : result.code === 0 ? "succeeded" : "failed";
  return { kind: "warned", signal: warned.signal, near, command, scheduler: job.scheduler };
}

/** Why a stopping signal came, from its time and the scheduler's word: also said while the command still runs. */
export function signalCause(facts: EndFacts): Cause | undefined {
  const { stop, job } = facts;
  if (!stop || stop.fromTerminal || !job) return undefined;
  if (facts.limit && stop.at >= facts.limit.endsAt - LIMIT_MARGIN_MS) return timeLimit(facts.limit);
  const state = facts.state;
  if (!state) return { kind: "scheduler", signal: stop.signal, scheduler: job.scheduler };
  const has = (name: string) => state.states.includes(name);
  if (has("TIMEOUT") || state.reason === "TimeLimit") return timeLimit(facts.limit);
  if (has("PREEMPTED") || /preempt/i.test(state.reason ?? "")) return { kind: "preempted" };
  if ((state.restarts ?? 0) > facts.restartsAtStart || state.states.some((s) => s.startsWith("REQUEUE")))
    return { kind: "requeued", ...(state.restarts !== undefined ? { restart: state.restarts } : {}) };
  if (has("NODE_FAIL") || state.reason === "NodeDown") return { kind: "node-fail", scheduler: job.scheduler };
  if (has("CANCELLED")) return { kind: "cancelled", certain: true };
  // Slurm shows an ending job as COMPLETING whatever ends it; before 23.02 nothing says what.
  if (state.state === "COMPLETING") return { kind: "cancelled", certain: false };
  if (state.state === "RUNNING") return { kind: "not-scheduler", signal: stop.signal };
  return { kind: "scheduler", signal: stop.signal, scheduler: job.scheduler };
}

function timeLimit(limit: TimeLimit | undefined): Cause {
  return { kind: "time-limit", ...(limit?.limitMs ? { limit: formatLimit(limit.limitMs) } : {}) };
}

function memoryCause(result: CommandEnd, facts: EndFacts): Cause | undefined {
  const memory = facts.memory;
  if (!memory) return undefined;
  const command = result.signal === "SIGKILL" ? "killed" : result.code === 0 ? "succeeded" : "failed";
  if (memory.oomKills)
    return {
      kind: "oom",
      kills: memory.oomKills,
      ...(memory.peak !== undefined ? { peak: memory.peak } : {}),
      limit: memory.limit,
      command,
    };
  const atLimit = memory.peak !== undefined && memory.peak >= memory.limit * 0.95;
  if (memory.oomKills === undefined && command === "killed" && !facts.stop && memory.limitHits && atLimit)
    return { kind: "memory-limit", peak: memory.peak!, limit: memory.limit };
  return undefined;
}

/** Whether the headline says it instead of the command's own outcome. */
export function causeEndsRun(cause: Cause): boolean {
  return cause.kind !== "oom" || cause.command !== "succeeded";
}

/** Whether someone else ended the run: then it is no success, whatever the exit code. */
export function causeStopsRun(cause: Cause): boolean {
  return causeEndsRun(cause) && cause.kind !== "warned";
}
