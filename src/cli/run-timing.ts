import type { RunTiming } from "../run/index.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** What the test suites may shorten, by the name of its MMN_TEST_*_MS variable. */
const SHORTENED = ["REQUEST_TIMEOUT", "INTERVAL", "HEARTBEAT", "FINISH", "SIGNAL_FINISH", "ARRAY_GATHER"] as const;
type Shortened = (typeof SHORTENED)[number];

/** How long `mmn run` waits: for each request, and the run's own timings once --interval is known. */
export interface RunWaits {
  requestTimeoutMs: number;
  run(intervalSeconds: number): RunTiming;
}

/**
 * The run's timings, shortened by the test suites through the environment
 * (MMN_TEST_REQUEST_TIMEOUT_MS and the like) so that a fault test takes a fraction of a
 * second; unset, as in every real run, they are the defaults and the flags. Read here, once,
 * and nowhere else. Not a user setting: Slurm's KillWait is what the budgets after a signal
 * are made for, and an interval under a second is what --interval refuses.
 */
export function runWaits(env: Env): RunWaits {
  const test: Partial<Record<Shortened, number>> = {};
  for (const name of SHORTENED) {
    const value = Number(env[`MMN_TEST_${name}_MS`]);
    if (Number.isFinite(value) && value > 0) test[name] = value;
  }
  return {
    requestTimeoutMs: test.REQUEST_TIMEOUT ?? 5000,
    run: (intervalSeconds) => ({
      intervalMs: test.INTERVAL ?? intervalSeconds * 1000,
      // Every five minutes, or at the interval when that is longer: more often than asked would be wrong.
      heartbeatMs: test.HEARTBEAT ?? Math.max(300_000, intervalSeconds * 1000),
      finishBudgetMs: test.FINISH ?? 4000,
      signalBudgetMs: test.SIGNAL_FINISH ?? 2500,
      // One scancel ends every task within a second or so: their ends make one reply.
      arrayGatherMs: test.ARRAY_GATHER ?? 1000,
    }),
  };
}
