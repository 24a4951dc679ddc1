import type { RequestInfo } from "../base/errors.ts";
import { type RetryPolicy, withRetries } from "./retry.ts";
import type { Shape } from "./shapes.ts";
import { Transport, type TransportOptions } from "./transport.ts";

export interface ApiOptions extends TransportOptions {
  /** Limit of one attempt, in milliseconds. */
  timeoutMs?: number;
  /** Attempts after the first one at most, for failures a repeat can fix (default: as many as fit in totalTimeoutMs). */
  retries?: number;
  /**
   * Limit of a request with all its repeats (default 20 s): a server that never answers holds
   * a send no longer. An upload gets at least the time its size needs.
   */
  totalTimeoutMs?: number;
  /** Longest wait for a rate limit to reset before giving up, in milliseconds (default: until totalTimeoutMs). */
  maxRetryWaitMs?: number;
  /** The first pause before a repeat (default 200 ms), doubling to 16 times it, jittered. */
  retryBackoffMs?: number;
  /** Called before each repeat, so a caller can tell the user why it waits. */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string; request: RequestInfo }) => void;
  /** Called after each attempt with its outcome (status 0: no answer), for `--verbose`. */
  onAttempt?: (info: { request: RequestInfo; status: number; ms: number }) => void;
}

export interface RequestOptions {
  body?: unknown;
  /** Called per attempt: a stream body cannot be sent twice. */
  bodyFactory?: () => { body: ReadableStream<Uint8Array>; headers: Record<string, string> };
  query?: Record<string, string>;
  /**
   * Whether repeating the request after it may have reached the server is harmless.
   * GET and PUT are; a POST is only where the endpoint deduplicates (e.g. `pending_post_id`).
   */
  idempotent?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** What a successful answer must look like; anything else is an unexpected reply. */
  shape?: Shape;
  /** Instead of the client's tries: as many as fit before this deadline. */
  deadline?: Deadline | undefined;
  /** For files (an upload, or asking the size the server takes): held to the deadline's `filesAt`. */
  forFiles?: boolean;
  /** To the configured incoming webhook, not to `path` below the API (which is only what is shown). */
  hook?: boolean;
}

/**
 * How long one call may take, given by its caller (the end of a run, before the scheduler's
 * SIGKILL): its requests are tried again on transient failures while the deadline allows,
 * instead of the client's few tries. Times are performance.now()'s: `deadlineIn` makes one.
 */
export interface Deadline {
  readonly at: number;
  /**
   * A sooner end for failures other than a rate limit (no answer, 5xx): a server that is down
   * is not waited for as long as one that asks to wait.
   */
  readonly unansweredAt?: number | undefined;
  /** Requests for files stop here: what is left is the time to send the text without them. */
  readonly filesAt?: number | undefined;
}

/**
 * A deadline `ms` from now; a server that does not answer is tried for `unansweredMs` of it,
 * and requests for files stop `filesShortMs` before its end.
 */
export function deadlineIn(ms: number, options: { unansweredMs?: number; filesShortMs?: number } = {}): Deadline {
  const now = performance.now();
  const at = now + ms;
  return {
    at,
    ...(options.unansweredMs !== undefined ? { unansweredAt: Math.min(at, now + options.unansweredMs) } : {}),
    ...(options.filesShortMs !== undefined ? { filesAt: at - options.filesShortMs } : {}),
  };
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_TOTAL_TIMEOUT_MS = 20_000;

/** Mattermost's REST API: one attempt at a time through the transport, repeated under the retry policy. */
export class Api {
  readonly #transport: Transport;
  readonly #options: ApiOptions;

  constructor(options: ApiOptions) {
    this.#transport = new Transport(options);
    this.#options = options;
  }

  get serverUrl(): string {
    return this.#transport.serverUrl;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const info: RequestInfo = { method, path };
    const json = options.body === undefined ? undefined : JSON.stringify(options.body);
    const attemptMs = options.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { deadline } = options;
    const policy: RetryPolicy = deadline
      ? endPolicy(deadline, options.forFiles === true, this.#options.retryBackoffMs)
      : {
          deadline:
            performance.now() +
            Math.max(this.#options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS, options.timeoutMs ?? 0),
          retries: this.#options.retries,
          maxWaitMs: this.#options.maxRetryWaitMs,
          backoffMs: this.#options.retryBackoffMs,
        };
    const { onAttempt, onRetry } = this.#options;
    const data = await withRetries(
      async (leftMs) => {
        const started = performance.now();
        let status = 0;
        try {
          const answer = await this.#transport.attempt({
            info,
            ...(json !== undefined ? { json } : {}),
            ...(options.bodyFactory ? { stream: options.bodyFactory } : {}),
            ...(options.query ? { query: options.query } : {}),
            timeoutMs: Math.min(attemptMs, leftMs),
            signal: options.signal,
            shape: options.shape,
            hook: options.hook,
          });
          status = answer.status;
          return answer.data;
        } catch (error) {
          status = (error as { status?: number }).status ?? 0;
          throw error;
        } finally {
          onAttempt?.({ request: info, status, ms: performance.now() - started });
        }
      },
      policy,
      {
        idempotent: options.idempotent ?? method !== "POST",
        signal: options.signal,
        onRetry:
          onRetry &&
          (({ attempt, waitMs, error }) => onRetry({ attempt, waitMs, reason: error.message, request: info })),
      },
    );
    return data as T;
  }
}

/** A caller's deadline as the retry policy takes it: files held to their own, sooner end. */
function endPolicy(deadline: Deadline, forFiles: boolean, backoffMs: number | undefined): RetryPolicy {
  const end = forFiles && deadline.filesAt !== undefined ? Math.min(deadline.filesAt, deadline.at) : deadline.at;
  const unanswered = deadline.unansweredAt === undefined ? end : Math.min(end, deadline.unansweredAt);
  return { deadline: end, unansweredDeadline: unanswered, backoffMs };
}
