import type { RunTiming } from "../run/index.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** What the test suites may shorten, by the name of its MMN_TEST_*_MS variable. */
const SHORTENED = [
  "REQUEST_TIMEOUT",
  "INTERVAL",
  "HEARTBEAT",
  "FINISH",
  "FINISH_UNANSWERED",
  "SIGNAL_FINISH",
  "ARRAY_GATHER",
  "LATE_WARNING",
  "CLOCK_STEP",
  "PACE_MINUTE",
  "STOP_GRACE",
  "WATCH_POLL",
  "SETTLE",
] as const;

/**
 * The end of a run that exited on its own: nothing kills it, so it waits out a rate limit
 * (Mattermost's bucket of 100 refills in 10 s; 100 runs ending at once against it need ~40 s)
 * rather than lose the outcome. A server that does not answer, or fails, is tried for 10 s:
 * every job's end would otherwise hold its allocation a minute while the server is down. After
 * a signal the scheduler's SIGKILL follows within seconds: 2.5 s for everything.
 */
const FINISH_BUDGET_MS = 60_000;
const END_UNANSWERED_MS = 10_000;
type Shortened = (typeof SHORTENED)[number];
/** Where 0 is a timing of its own (no wait at all), not the default: a test's "no gathering". */
const ZERO_ALLOWED: ReadonlySet<Shortened> = new Set(["ARRAY_GATHER"]);

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
    const given = env[`MMN_TEST_${name}_MS`]?.trim();
    const value = given ? Number(given) : Number.NaN;
    if (Number.isFinite(value) && (value > 0 || (value === 0 && ZERO_ALLOWED.has(name)))) test[name] = value;
  }
  return {
    requestTimeoutMs: test.REQUEST_TIMEOUT ?? 5000,
    run: (intervalSeconds) => ({
      intervalMs: test.INTERVAL ?? intervalSeconds * 1000,
      // Every five minutes, or at the interval when that is longer: more often than asked would be wrong.
      heartbeatMs: test.HEARTBEAT ?? Math.max(300_000, intervalSeconds * 1000),
      // The live edits' schedule counts in minutes (run/report/edit-pace.ts): a test's are milliseconds.
      paceMinuteMs: test.PACE_MINUTE ?? 60_000,
      // 🛑 from the phone stops the job as scancel does: SIGTERM, then SIGKILL after Slurm's default KillWait.
      stopGraceMs: test.STOP_GRACE ?? 30_000,
      finishBudgetMs: test.FINISH ?? FINISH_BUDGET_MS,
      signalBudgetMs: test.SIGNAL_FINISH ?? 2500,
      endUnansweredMs: test.FINISH_UNANSWERED ?? END_UNANSWERED_MS,
      // One scancel ends every task within a second or so: their ends make one reply.
      arrayGatherMs: test.ARRAY_GATHER ?? 1000,
      // The start's requests are answered within it, but for a slow server's.
      settleMs: test.SETTLE ?? 2000,
      // A time-limit mark already past at the start is said this long after it, once the status post is out.
      lateWarningMs: test.LATE_WARNING ?? 1000,
      ...(test.CLOCK_STEP ? { clockStepMs: test.CLOCK_STEP } : {}),
    }),
  };
}

/** The pause between `mmn watch`'s polls of the scheduler (and the relay's watching passes): the flag's, or a test's. */
export function watchPollMs(env: Env, seconds: number): number {
  const value = Number(env.MMN_TEST_WATCH_POLL_MS);
  return Number.isFinite(value) && value > 0 ? value : seconds * 1000;
}

/**
 * The test suites shorten the pauses between repeats (MMN_TEST_RETRY_BACKOFF_MS) for every
 * command, so that a server down for twenty tries costs them no wall-clock time.
 */
export function testBackoff(env: Env): { retryBackoffMs?: number } {
  const value = Number(env.MMN_TEST_RETRY_BACKOFF_MS);
  return Number.isFinite(value) && value > 0 ? { retryBackoffMs: value } : {};
}
