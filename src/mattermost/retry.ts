import { isTransient, NetworkError, ServerError } from "../base/errors.ts";

/**
 * When to try a request again: as often as fits before `deadline` (performance.now() time),
 * a command's `--timeout` or the end of `mmn run`, which must be out before Slurm's SIGKILL
 * after a signal. A server that is down 2 to 10 s is outlasted by a send of 20 s (it gave up
 * after three tries, 1 to 1.9 s).
 */
export interface RetryPolicy {
  deadline: number;
  /**
   * A sooner end for failures other than a rate limit (no answer, 5xx): a server that answers
   * 429 is up and says when to come back, one that does not answer may stay down, and a run's
   * normal end should not wait a minute for it.
   */
  unansweredDeadline?: number | undefined;
  /** Repeats after the first attempt at most; none said: as many as fit. */
  retries?: number | undefined;
  /** Longest wait the server may ask for before giving up. */
  maxWaitMs?: number | undefined;
  /** The first backoff pause (default 200 ms), doubling to 16 times it. */
  backoffMs?: number | undefined;
}

export interface RetryOptions {
  /**
   * Whether a repeat of a request that may have reached the server is harmless (GET, PUT, a post with its
   * pending_post_id).
   */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
  /** Told before each repeat, so that a caller can say why it waits. */
  onRetry?: ((info: { attempt: number; waitMs: number; error: Error }) => void) | undefined;
}

/** The time a last try before the deadline is given: a request to a server that answers. */
const LAST_TRY_MS = 1000;
/** Less than a second left: one more try all the same, for a server that answers at once (or refuses). */
const FINAL_TRY_MS = 250;
/** A try with less time than this (a timer fired late on a loaded machine) could only time out. */
const MIN_TRY_MS = 50;

/**
 * The pause before repeat `round` (0 first), or undefined when none should follow. Never
 * sooner than the server asked (Retry-After); never so late that no try is left before the
 * deadline: a long draw of the jitter waits only until a second before it (a server down for
 * two seconds lost the outcome one run in ten), or with less left, until a quarter of a
 * second before it, while a server that asks to wait past it is given up on at once.
 */
export function retryDelay(
  error: unknown,
  round: number,
  policy: RetryPolicy,
  idempotent: boolean,
): number | undefined {
  if (round >= (policy.retries ?? Number.POSITIVE_INFINITY) || !isTransient(error, idempotent)) return undefined;
  const limited = error instanceof ServerError && error.status === 429;
  const { earliest, wait } = pause(error, round, policy.backoffMs ?? 200);
  if (policy.maxWaitMs !== undefined && earliest > policy.maxWaitMs) return undefined;
  const deadline = limited ? policy.deadline : Math.min(policy.deadline, policy.unansweredDeadline ?? policy.deadline);
  const room = deadline - performance.now();
  if (room - FINAL_TRY_MS < earliest) return undefined;
  const latest = room - LAST_TRY_MS >= earliest ? room - LAST_TRY_MS : room - FINAL_TRY_MS;
  return Math.min(wait, latest);
}

/**
 * Backoff doubles from 0.2 s to 3.2 s, jittered ±50 %. A server that asks to wait is waited
 * for, and then some: clients refused together (an array's tasks, a cluster's nodes behind one
 * NAT address, which share one bucket) come back spread over a window that doubles from a
 * second with each refusal, up to the time the bucket takes to fill (X-Ratelimit-Reset): a
 * few clients come back soon, many spread out to the rate the server serves (README).
 */
function pause(error: unknown, round: number, backoffMs: number): { earliest: number; wait: number } {
  const backoff = backoffMs * 2 ** Math.min(round, 4) * (0.5 + Math.random());
  if (!(error instanceof ServerError) || error.retryAfterMs === undefined) return { earliest: 0, wait: backoff };
  const earliest = error.retryAfterMs;
  const widest = Math.max((error.refillMs ?? 0) - earliest, earliest / 5);
  const spread = Math.min(widest, Math.max(1000 * 2 ** Math.min(round, 10), earliest / 5));
  // Never sooner than the backoff: a proxy answering "Retry-After: 0" must not get a request a millisecond.
  return { earliest, wait: Math.max(backoff, earliest + Math.random() * spread) };
}

/** The attempt, repeated under the policy; `attempt` is given the time left. */
export async function withRetries<T>(
  attempt: (leftMs: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions,
): Promise<T> {
  let answered: ServerError | undefined;
  for (let round = 0; ; round++) {
    try {
      return await attempt(policy.deadline - performance.now());
    } catch (error) {
      if (error instanceof ServerError) answered = error;
      const wait = options.signal?.aborted ? undefined : retryDelay(error, round, policy, options.idempotent);
      if (wait === undefined) throw newsOf(error, answered, options.idempotent);
      options.onRetry?.({ attempt: round + 1, waitMs: wait, error: error as Error });
      await sleep(wait, options.signal);
      // What failed is the news, not a try that had no time left to succeed.
      if (policy.deadline - performance.now() < MIN_TRY_MS) throw newsOf(error, answered, options.idempotent);
    }
  }
}

/**
 * A server that answered (503: "boom"), then a last try cut short by the deadline: what the
 * server said is the news, not "no answer within 0.4 s", which a loaded machine makes of it.
 */
function newsOf(error: unknown, answered: ServerError | undefined, idempotent: boolean): unknown {
  return answered && error instanceof NetworkError && isTransient(error, idempotent) ? answered : error;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
