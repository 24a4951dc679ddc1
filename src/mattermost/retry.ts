import { isTransient, ServerError } from "../errors.ts";

/**
 * When to try a request again. One policy, two shapes: a few tries for a command a person
 * waits on (`send`), or as many as fit before a deadline (the end of `mmn run`, which must
 * be out before Slurm's SIGKILL). Both stop at `deadline` (performance.now() time).
 */
export type RetryPolicy =
  | {
      shape: "tries";
      /** Repeats after the first attempt. */
      retries: number;
      deadline: number;
      /** Longest wait for a rate limit to reset before giving up. */
      maxWaitMs: number;
    }
  | { shape: "deadline"; deadline: number };

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

/**
 * The pause before repeat `round` (0 first), or undefined when none should follow. Pauses are
 * jittered: array tasks refused together must not come back together (measured: 12 tasks
 * against 20 requests/s lost 6 outcomes waiting exactly Retry-After, none with jitter).
 */
export function retryDelay(
  error: unknown,
  round: number,
  policy: RetryPolicy,
  idempotent: boolean,
): number | undefined {
  if ((policy.shape === "tries" && round >= policy.retries) || !isTransient(error, idempotent)) return undefined;
  const backoff = 200 * 2 ** Math.min(round, 4) * (0.5 + Math.random());
  const wait =
    error instanceof ServerError && error.status === 429 ? rateLimitWait(error.retryAfterMs, policy, backoff) : backoff;
  if (wait === undefined || (policy.shape === "tries" && wait > policy.maxWaitMs)) return undefined;
  const room = policy.deadline - performance.now();
  // The end of a run waits at most until a second before its deadline, for a last try: a long
  // draw of the jitter must not make it give up with seconds left (a server down for two
  // seconds lost the outcome one run in ten).
  if (policy.shape === "deadline" && room > LAST_TRY_MS) return Math.min(wait, room - LAST_TRY_MS);
  return wait < room ? wait : undefined;
}

/** The time a last try before the deadline is given: a request to a server that answers. */
const LAST_TRY_MS = 1000;

/**
 * The rate limiter answers before the request is handled: repeating is always safe. A person's
 * command waits as Retry-After says, a little more; the end of a run, racing a deadline with
 * its array's other tasks, tries from a fifth of a second on: Retry-After is whole seconds,
 * while the limiter frees a slot sooner.
 */
function rateLimitWait(asked: number | undefined, policy: RetryPolicy, backoff: number): number {
  if (asked === undefined) return backoff;
  if (policy.shape === "deadline" && asked <= 1000) return Math.max(asked * (0.2 + Math.random()), 50);
  return asked * (1 + Math.random() / 5);
}

/** The attempt, repeated under the policy; `attempt` is given the time left. */
export async function withRetries<T>(
  attempt: (leftMs: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions,
): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await attempt(policy.deadline - performance.now());
    } catch (error) {
      const wait = options.signal?.aborted ? undefined : retryDelay(error, round, policy, options.idempotent);
      if (wait === undefined) throw error;
      options.onRetry?.({ attempt: round + 1, waitMs: wait, error: error as Error });
      await sleep(wait, options.signal);
    }
  }
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
