/**
 * Whether a registered run is over, in the words of whoever knows: the scheduler for a job
 * (asked from a login node: the interface's `state`, then `accounting`), else the process
 * table of the run's own host. A run that cannot be told about from here is left as it is.
 */
import { ask } from "../scheduler/ask.ts";
import { compact, type Scheduler } from "../scheduler/scheduler.ts";
import { schedulerOf } from "../scheduler/schedulers.ts";
import { stillRunning } from "./process.ts";
import type { RunRecord } from "./registry.ts";

export type Verdict =
  | { kind: "running" }
  | { kind: "unknown"; why: string }
  | {
      kind: "ended";
      /** "Slurm says CANCELLED", or the process gone. */
      source: "scheduler" | "process";
      state?: string;
      /** Who cancelled it, by name where the uid has one. */
      by?: string;
      exitCode?: number;
      signal?: number;
      elapsedMs?: number;
      reason?: string;
    };

/** A job in one of these states may still run, or run again: its run is not over. */
export const ACTIVE = new Set([
  "PENDING",
  "RUNNING",
  "SUSPENDED",
  "CONFIGURING",
  "COMPLETING",
  "REQUEUED",
  "REQUEUE_HOLD",
  "REQUEUE_FED",
  "RESIZING",
  "SIGNALING",
  "STAGE_OUT",
  "STOPPED",
  "SPECIAL_EXIT",
]);

const QUERY_MS = 10_000;

export interface Judge {
  host: string;
  /** The user's jobs that are not over, by scheduler kind, as one question of the pass found them (`activeJobs`). */
  active?: ReadonlyMap<string, ReadonlyMap<string, string> | undefined>;
  /** The scheduler of a record's job; the registry's own by default. */
  scheduler?: (kind: string) => Scheduler;
}

export async function judge(record: RunRecord, how: Judge): Promise<Verdict> {
  const onThisHost = record.host === how.host;
  if (!record.job) {
    if (!onThisHost)
      return { kind: "unknown", why: `it ran on ${record.host}: only a relay there can see its process` };
    return stillRunning(record.pid, record.startTicks) ? { kind: "running" } : { kind: "ended", source: "process" };
  }
  const scheduler = (how.scheduler ?? schedulerOf)(record.job.scheduler);
  const jobId = record.job.jobId;
  const listed = how.active?.get(scheduler.kind)?.get(jobId);
  // The pass's one question says it goes on: nothing more to ask about it.
  if (listed && ACTIVE.has(listed) && listed !== "COMPLETING") return goesOn(record, onThisHost);
  const state = await scheduler.state(jobId, QUERY_MS);
  // Newer Slurm lists the state that COMPLETING hides ("FAILED", "COMPLETING"): that is its word.
  // The state shown (scontrol's) first: squeue's JSON may list a state of its own beside it.
  const ended = [state?.state ?? "", ...(state?.states ?? [])].find((s) => s && !ACTIVE.has(s));
  if (state && !ended) {
    // COMPLETING alone: the job is ending, and its word comes with the next pass.
    if (state.states.every((s) => s === "COMPLETING")) return { kind: "running" };
    return goesOn(record, onThisHost);
  }
  const accounting = await scheduler.accounting(jobId, QUERY_MS);
  if (accounting && !ACTIVE.has(accounting.state)) {
    return compact({
      kind: "ended",
      source: "scheduler",
      state: accounting.state,
      by: accounting.by && (await userName(accounting.by)),
      exitCode: accounting.exitCode,
      signal: accounting.signal,
      elapsedMs: accounting.elapsedMs,
      reason: accounting.reason,
    });
  }
  if (state && ended) {
    return compact({
      kind: "ended",
      source: "scheduler",
      state: ended,
      exitCode: state.exitCode,
      signal: state.signal,
      elapsedMs: state.elapsedMs,
      reason: state.reason,
    });
  }
  if (onThisHost && !stillRunning(record.pid, record.startTicks)) return { kind: "ended", source: "process" };
  return {
    kind: "unknown",
    why: `${scheduler.words.name} does not know job ${jobId} (any more), and keeps no accounting of it`,
  };
}

/** The job goes on, but the run in it may be over (mmn killed alone): its host can tell. */
function goesOn(record: RunRecord, onThisHost: boolean): Verdict {
  if (onThisHost && !stillRunning(record.pid, record.startTicks)) return { kind: "ended", source: "process" };
  return { kind: "running" };
}

/** The user's jobs that are not over, asked once of each scheduler the records name. */
export async function activeJobs(records: readonly RunRecord[], how: Pick<Judge, "scheduler"> = {}) {
  const kinds = new Set(records.flatMap((r) => (r.job ? [r.job.scheduler] : [])));
  const active = new Map<string, ReadonlyMap<string, string> | undefined>();
  await Promise.all(
    [...kinds].map(async (kind) => {
      const scheduler = (how.scheduler ?? schedulerOf)(kind);
      active.set(scheduler.kind, await scheduler.activeJobs?.(QUERY_MS));
    }),
  );
  return active;
}

/** A uid as a person's name, where the system knows it. */
async function userName(uid: string): Promise<string> {
  if (!/^\d+$/.test(uid)) return uid;
  const name = (await ask(["id", "-nu", uid], 2000))?.trim();
  return name && /^[\w.-]{1,64}$/.test(name) ? name : uid;
}
