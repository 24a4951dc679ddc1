import type { Cause } from "../../scheduler/cause.ts";
import type { JobContext } from "../../scheduler/scheduler.ts";
import { schedulerOf } from "../../scheduler/schedulers.ts";
import { memoryPair } from "./amounts.ts";

/**
 * The cause (decided in scheduler/cause.ts) in words: at the end, after the job's name, and
 * while the job is still stopping. The scheduler's own names come from its `words`.
 */

/** "hit its time limit of 1:00:00", said alike at the end and while stopping. */
function limitWords(cause: Extract<Cause, { kind: "time-limit" }>): string {
  return `hit its time limit${cause.limit ? ` of ${cause.limit}` : ""}`;
}

/** "cancelled (scancel)"; "cancelled (scancel, or preempted)" when the scheduler did not say which. */
function cancelledWords(cause: Extract<Cause, { kind: "cancelled" }>, job: JobContext | undefined): string {
  const cancel = schedulerOf(job).words.cancel;
  return cause.certain ? `cancelled (${cancel})` : `cancelled (${cancel}, or preempted)`;
}

/** The cause in words, after the job's name: "hit its time limit of 1:00:00". */
export function causeWords(cause: Cause, ownOutcome: string, job?: JobContext): string {
  switch (cause.kind) {
    case "time-limit":
      return limitWords(cause);
    case "cancelled":
      return `was ${cancelledWords(cause, job)}`;
    case "preempted":
      return "was preempted";
    case "requeued":
      return `was requeued${cause.restart ? ` (it runs again as restart ${cause.restart})` : ""}`;
    case "node-fail":
      return `was stopped: its node failed (${schedulerOf(cause.scheduler).words.name} says NODE_FAIL)`;
    case "scheduler":
      return `was stopped by ${cause.signal} (from ${schedulerOf(cause.scheduler).words.stoppers})`;
    case "not-scheduler": {
      const { name, signalSenders } = schedulerOf(job).words;
      return `was stopped by ${cause.signal} (${name} was not ending the job: ${signalSenders})`;
    }
    case "memory-limit":
      return `was killed by SIGKILL at its memory limit (${memoryPair(cause.peak, cause.limit)}): most likely by the out-of-memory killer`;
    case "oom":
      if (cause.command === "killed") return `was killed by the out-of-memory killer${peakAt(cause)}`;
      return `${ownOutcome} after ${oomNote(cause)}`;
    case "warned":
      return warnedWords(cause, ownOutcome);
  }
}

/** "exited 0 after SIGUSR1 (the scheduler's warning before the time limit)" */
function warnedWords(cause: Extract<Cause, { kind: "warned" }>, ownOutcome: string): string {
  const senders = schedulerOf(cause.scheduler).words.signalSenders;
  const from =
    cause.near === "limit"
      ? "the scheduler's warning before the time limit"
      : cause.near === "far"
        ? `from ${senders}`
        : `the scheduler's warning before the time limit, or ${senders}`;
  const own = cause.command === "succeeded" ? "exited 0" : ownOutcome;
  return own === `killed by ${cause.signal}` ? `${own} (${from})` : `${own} after ${cause.signal} (${from})`;
}

function peakAt(cause: { peak?: number; limit: number }): string {
  return cause.peak !== undefined ? ` at ${memoryPair(cause.peak, cause.limit)}` : "";
}

/** "the out-of-memory killer stopped one of its processes at 190 of 200 MiB" */
export function oomNote(cause: Extract<Cause, { kind: "oom" }>): string {
  const which = cause.kills === 1 ? "one of its processes" : `${cause.kills} of its processes`;
  return `the out-of-memory killer stopped ${which}${peakAt(cause)}`;
}

const ICONS: Record<Exclude<Cause["kind"], "warned">, string> = {
  "time-limit": "⏰",
  cancelled: "🛑",
  preempted: "🛑",
  requeued: "🔁",
  "node-fail": "🛑",
  scheduler: "🛑",
  "not-scheduler": "🛑",
  oom: "💥",
  "memory-limit": "💥",
};

/** Undefined when the command's own outcome keeps its icon. */
export function causeIcon(cause: Cause): string | undefined {
  return cause.kind === "warned" ? undefined : ICONS[cause.kind];
}

/** The cause said of a job that is still stopping: "cancelled (scancel)"; undefined while nothing is known. */
export function stoppingWords(cause: Cause | undefined, job: JobContext | undefined): string | undefined {
  switch (cause?.kind) {
    case "time-limit":
      return limitWords(cause);
    case "cancelled":
      return cancelledWords(cause, job);
    case "preempted":
      return "preempted";
    case "requeued":
      return "requeued";
    case "not-scheduler":
      return `${schedulerOf(job).words.name} is not ending the job`;
    default:
      return undefined;
  }
}
