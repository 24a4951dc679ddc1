import { ask } from "./query.ts";
import { parseLocalTime } from "./scheduler.ts";

/**
 * A requeued job's earlier runs, which only Slurm's accounting keeps: `sacct --duplicates`
 * lists each run with its start and how it ended (REQUEUED, NODE_FAIL, PREEMPTED). Where
 * there is no accounting, nothing is known and the card counts this restart alone.
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

export async function restartFacts(jobId: string): Promise<RestartFacts | undefined> {
  return parseSacctRuns(
    await ask(["sacct", "--duplicates", "-X", "-n", "-P", "-j", jobId, "-o", "Start,State"], QUERY_MS),
  );
}

/** "2026-12-01T10:00:00|NODE_FAIL\n2026-12-01T10:20:00|RUNNING": oldest first, this run last. */
export function parseSacctRuns(output: string | undefined): RestartFacts | undefined {
  const runs = (output ?? "")
    .split("\n")
    .map((line) => line.trim().split("|"))
    .filter((fields) => fields.length >= 2)
    .map(([start = "", state = ""]) => ({ start: parseLocalTime(start), state: state.split(" ")[0]! }));
  if (runs.length < 2) return undefined;
  const starts = runs.map((run) => run.start).filter((start) => start !== undefined);
  const before = runs.at(-2)!.state;
  const after = ENDINGS[before];
  return {
    ...(starts.length ? { firstStartAt: Math.min(...starts) } : {}),
    ...(after ? { after } : {}),
  };
}
