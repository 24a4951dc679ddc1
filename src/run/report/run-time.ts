import { formatDuration } from "./amounts.ts";
import type { RunState } from "./render.ts";

/**
 * How long the job ran, as the card and the headline say it: suspended time (scontrol suspend)
 * is not run time, and a requeued job's restart counts from its first start where accounting
 * knows it, else says it counts this restart alone.
 */
export interface RunTime {
  /** What the headline and the card show. */
  shownMs: number;
  /** This run's own time, suspension left out: what CPU efficiency is measured against. */
  ownMs: number;
  /** "this restart", "not counting 5s suspended"; empty when there is nothing to add. */
  notes: string[];
}

export function runTime(state: RunState): RunTime {
  const suspendedMs = state.suspendedMs ?? 0;
  const ownMs = Math.max(0, state.at.getTime() - state.startedAt.getTime() - suspendedMs);
  const notes: string[] = [];
  let shownMs = ownMs;
  if (state.job?.restarts) {
    const first = state.restart?.firstStartAt;
    if (first !== undefined && first < state.startedAt.getTime()) {
      shownMs = Math.max(0, state.at.getTime() - first - suspendedMs);
      notes.push("since its first start");
    } else notes.push("this restart");
  }
  if (suspendedMs >= 1000) notes.push(`not counting ${formatDuration(suspendedMs)} suspended`);
  return { shownMs, ownMs, notes };
}

/** "5s (this restart)" */
export function runTimeText(time: RunTime): string {
  return `${formatDuration(time.shownMs)}${time.notes.length ? ` (${time.notes.join(", ")})` : ""}`;
}
