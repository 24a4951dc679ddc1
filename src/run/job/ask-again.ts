import type { JobState } from "../../scheduler/scheduler.ts";

/**
 * The scheduler's word on a stopping signal, asked again while it has not moved: at the moment
 * of the signal slurmctld may still say RUNNING (22.05, proctrack/linuxproc above all), or not
 * answer in time. Each question is bounded by QUERY_MS, and none is asked past `until`.
 */

const QUERY_MS = 1000;
const REASK_AFTER_MS = 200;
/** A question with less time than this left is not asked. */
const MIN_QUERY_MS = 100;

export interface AskAgain {
  /** The question: the scheduler's `state` of the job, within the time given. */
  ask: (timeoutMs: number) => Promise<JobState | undefined>;
  /** The last moment for an answer, ms since the epoch. */
  until: number;
  /** Each answer, as it comes. */
  onAnswer: (state: JobState | undefined, tookMs: number) => void;
  /** Whether one more question is worth it: the answer so far has not moved, and it is still wanted. */
  again: () => boolean;
}

export async function askAgain(o: AskAgain): Promise<void> {
  for (;;) {
    const asked = performance.now();
    const state = await o.ask(Math.min(QUERY_MS, Math.max(0, o.until - Date.now())));
    o.onAnswer(state, performance.now() - asked);
    if (!o.again() || o.until - Date.now() < REASK_AFTER_MS + MIN_QUERY_MS) return;
    await Bun.sleep(REASK_AFTER_MS);
  }
}

/** The promise, waited for at most `ms`. */
export async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
