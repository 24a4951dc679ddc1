import type { EarlierRun, Scheduler } from "../../scheduler/scheduler.ts";

/**
 * A requeued job's earlier runs, which only accounting keeps (Slurm's `sacct --duplicates`
 * lists each run with its start and how it ended: REQUEUED, NODE_FAIL, PREEMPTED). Where there
 * is no accounting, nothing is known and the card counts this restart alone.
 */

export interface RestartFacts {
  /** The first run's start, ms since the epoch. */
  firstStartAt?: number;
  /** Why the run before this one ended, in words: "a node failure", "a preemption". */
  after?: string;
}

const QUERY_MS = 5000;

const ENDINGS: Record<string, string> = {
  NODE_FAIL: "a node failure",
  PREEMPTED: "a preemption",
  BOOT_FAIL: "a node that failed to boot",
};

export async function restartFacts(scheduler: Scheduler, jobId: string): Promise<RestartFacts | undefined> {
  return restartFrom(await scheduler.earlierRuns(jobId, QUERY_MS));
}

/** The runs oldest first, this one last. */
export function restartFrom(runs: EarlierRun[] | undefined): RestartFacts | undefined {
  if (!runs || runs.length < 2) return undefined;
  const starts = runs.map((run) => run.start).filter((start) => start !== undefined);
  const after = ENDINGS[runs.at(-2)!.state];
  return {
    ...(starts.length ? { firstStartAt: Math.min(...starts) } : {}),
    ...(after ? { after } : {}),
  };
}
