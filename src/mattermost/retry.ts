import type { AttemptOutcome } from "./http.ts";

const BASE_BACKOFF_MS = 250;

/**
 * How long to wait before repeating a failed attempt, or undefined when repeating
 * cannot help or could do harm (a non-idempotent request that may have reached the server).
 */
export function retryDelay(
  outcome: Extract<AttemptOutcome, { ok: false }>,
  policy: { attempt: number; retries: number; idempotent: boolean; maxWaitMs: number },
): number | undefined {
  if (policy.attempt >= policy.retries || outcome.final) return undefined;
  const backoff = BASE_BACKOFF_MS * 2 ** policy.attempt * (1 + Math.random() / 2);
  const status = outcome.status;
  if (status === 429) {
    // The rate limiter answers before the request is handled: always safe to repeat.
    const wait = outcome.retryAfterMs ?? backoff;
    return wait <= policy.maxWaitMs ? Math.max(wait, 50) : undefined;
  }
  if (!outcome.reachedServer) return backoff;
  if (!policy.idempotent) return undefined;
  if (status === undefined || status === 502 || status === 503 || status === 504 || status === 500) return backoff;
  return undefined;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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
