/**
 * Errors a user can read. Each kind maps to one exit code in `exitCodeOf`, the only
 * place the CLI learns how to end.
 */

import type { Post } from "@mattermost/types/posts";

/** Which of mmn's errors it is: each maps to one exit code (`exitCodeOf`). */
export type ErrorKind = "config" | "usage" | "server" | "network" | "after-send";

/**
 * Every error mmn throws on purpose: a message for people, a `hint` saying what to do, and the
 * cause kept (`error.cause`).
 *
 * @example
 * ```ts
 * try { await notifyUser("hi", "alice"); }
 * catch (error) { if (error instanceof MmnError) console.error(error.message, error.hint ?? ""); }
 * ```
 */
export abstract class MmnError extends Error {
  /** Which kind it is, for a `switch` without `instanceof`. */
  abstract readonly kind: ErrorKind;
  /** One line telling the user what to do about it, when we know. */
  readonly hint: string | undefined;

  /** A message for people; `hint`, one line on what to do; `cause`, what lies beneath. */
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }

  /** The class's name (`ServerError`), as `error.name` reads it. */
  override get name(): string {
    return this.constructor.name;
  }
}

/** Missing or invalid configuration: no URL, no token, unreadable config file. */
export class ConfigError extends MmnError {
  /** {@inheritDoc MmnError.kind} */
  readonly kind = "config";
}

/** Bad input from the caller; nothing was sent. */
export class UsageError extends MmnError {
  /** {@inheritDoc MmnError.kind} */
  readonly kind = "usage";
}

/** The request that failed, as an error names it. */
export interface RequestInfo {
  /** `GET`, `POST`, `PUT`. */
  method: string;
  /** Path below the API root, e.g. `/users/me`; never holds the token. */
  path: string;
}

interface ServerErrorDetails {
  status: number;
  serverId?: string | undefined;
  requestId?: string | undefined;
  request: RequestInfo;
  hint?: string | undefined;
  /** How long the server asked us to wait before the next request (429's Retry-After). */
  retryAfterMs?: number | undefined;
  /** How long its rate limiter takes to fill up again (a 429's X-Ratelimit-Reset). */
  refillMs?: number | undefined;
  cause?: unknown;
}

/**
 * The server answered with an error status, or with something that is no answer to the
 * call (status 2xx). A 401 is the configured token being wrong: exit code 3.
 */
export class ServerError extends MmnError {
  /** {@inheritDoc MmnError.kind} */
  readonly kind = "server";
  /** The HTTP status (2xx for an answer that is no answer to the call). */
  readonly status: number;
  /** The server's error id, e.g. `api.context.permissions.app_error`. */
  readonly serverId: string | undefined;
  /** The server's id of the request (`X-Request-Id`), for its administrator's logs. */
  readonly requestId: string | undefined;
  /** The request that was refused. */
  readonly request: RequestInfo;
  /** How long the server asked to wait before the next request (a 429's `Retry-After`). */
  readonly retryAfterMs: number | undefined;
  /** How long its rate limiter takes to fill up again (a 429's `X-Ratelimit-Reset`). */
  readonly refillMs: number | undefined;

  /** Made by mmn from the server's answer; a program has no need to make one. */
  constructor(message: string, details: ServerErrorDetails) {
    super(message, { hint: details.hint, cause: details.cause });
    this.status = details.status;
    this.serverId = details.serverId;
    this.requestId = details.requestId;
    this.request = details.request;
    this.retryAfterMs = details.retryAfterMs;
    this.refillMs = details.refillMs;
  }

  /**
   * The same failure told in the caller's words, which know what was being attempted; the server's words stay
   * its cause.
   */
  rephrase(message: string, hint = this.hint): ServerError {
    const { status, serverId, requestId, request, retryAfterMs, refillMs } = this;
    return new ServerError(message, {
      status,
      serverId,
      requestId,
      request,
      retryAfterMs,
      refillMs,
      hint,
      cause: this,
    });
  }
}

/** The server could not be reached or did not answer in time. */
export class NetworkError extends MmnError {
  /** {@inheritDoc MmnError.kind} */
  readonly kind = "network";
  /** The request that got no answer. */
  readonly request: RequestInfo;
  /** The request may have reached the server (it timed out, the connection broke): a repeat must be harmless. */
  readonly reachedServer: boolean;
  /** Repeating cannot help (an untrusted certificate stays untrusted). */
  readonly permanent: boolean;

  /** Made by mmn from what fetch ran into; a program has no need to make one. */
  constructor(
    message: string,
    details: {
      request: RequestInfo;
      cause?: unknown;
      hint?: string | undefined;
      reachedServer?: boolean;
      permanent?: boolean;
    },
  ) {
    super(message, { hint: details.hint, cause: details.cause });
    this.request = details.request;
    this.reachedServer = details.reachedServer ?? true;
    this.permanent = details.permanent ?? false;
  }
}

/**
 * The message went out, but what had to follow failed: remembering it under its id, or
 * writing its hook file. Not a usage error: something was sent. `post` is what was.
 */
export class AfterSendError extends MmnError {
  /** {@inheritDoc MmnError.kind} */
  readonly kind = "after-send";
  /** The post that went out. */
  readonly post: Post;

  /** The post that went out, and what failed after it (kept as `cause`). */
  constructor(post: Post, cause: unknown) {
    super(`the message was sent (post ${post.id}), but ${errorMessage(cause)}`, {
      cause,
      hint: cause instanceof MmnError ? cause.hint : undefined,
    });
    this.post = post;
  }
}

const EXIT_CODES: Record<ErrorKind, number> = {
  server: 1,
  network: 1,
  "after-send": 1,
  usage: 2,
  config: 3,
};

/**
 * The process exit code for an error, as the CLI ends: 1 the server or the network failed (or
 * something after a send), 2 bad input, 3 configuration, a rejected token included; anything
 * that is not ours is a failure (1).
 *
 * @example
 * ```ts
 * await notifyUser("done").catch((error) => process.exit(exitCodeOf(error)));
 * ```
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ServerError && error.status === 401) return EXIT_CODES.config;
  return error instanceof MmnError ? EXIT_CODES[error.kind] : 1;
}

/** A failure that a repeat may fix: no answer, the server overloaded (5xx) or rate limiting (429). */
export function isTransient(error: unknown, idempotent = true): boolean {
  if (error instanceof NetworkError) return !error.permanent && (idempotent || !error.reachedServer);
  if (error instanceof ServerError)
    return error.status === 429 || (idempotent && [500, 502, 503, 504].includes(error.status));
  return false;
}

/** What went wrong, in words, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
