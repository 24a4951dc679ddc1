// The real server's rate limiter: throttled's GCRA limiter, one bucket per token (per IP without one).
import type { ServerResponse } from "node:http";

export interface RateLimitResult {
  limited: boolean;
  /** MaxBurst + 1, as throttled reports it. */
  limit: number;
  remaining: number;
  /** Until the bucket is full again. */
  resetAfterMs: number;
  /** Until the next request is allowed; -1 when this one was. */
  retryAfterMs: number;
}

export class RateLimiter {
  private readonly emissionMs: number;
  private readonly toleranceMs: number;
  private readonly limit: number;
  private readonly tats = new Map<string, number>(); // theoretical arrival time per key

  constructor(quota: { perSecond: number; burst: number }) {
    if (!(quota.perSecond > 0) || !(quota.burst >= 0)) throw new Error("rateLimit needs perSecond > 0 and burst >= 0");
    this.emissionMs = 1000 / quota.perSecond;
    this.toleranceMs = this.emissionMs * (quota.burst + 1);
    this.limit = quota.burst + 1;
  }

  take(key: string, now = Date.now()): RateLimitResult {
    const tat = Math.max(this.tats.get(key) ?? now, now);
    const newTat = tat + this.emissionMs;
    const diff = now - (newTat - this.toleranceMs);
    let limited = false;
    let retryAfterMs = -1;
    let ttl: number;
    if (diff < 0) {
      limited = true;
      retryAfterMs = -diff;
      ttl = tat - now;
    } else {
      ttl = newTat - now;
      this.tats.set(key, newTat);
    }
    const next = this.toleranceMs - ttl;
    const remaining = next > -this.emissionMs ? Math.max(0, Math.floor(next / this.emissionMs)) : 0;
    return { limited, limit: this.limit, remaining, resetAfterMs: ttl, retryAfterMs };
  }

  clear(): void {
    this.tats.clear();
  }
}

/** setRateLimitHeaders, with Go's canonical header spelling. */
export function setRateLimitHeaders(res: ServerResponse, r: RateLimitResult): void {
  res.setHeader("X-Ratelimit-Limit", String(r.limit));
  res.setHeader("X-Ratelimit-Remaining", String(r.remaining));
  res.setHeader("X-Ratelimit-Reset", String(Math.ceil(r.resetAfterMs / 1000)));
  if (r.retryAfterMs >= 0) res.setHeader("Retry-After", String(Math.ceil(r.retryAfterMs / 1000)));
}
