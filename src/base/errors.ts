/**
 * Errors a user can read. Each kind maps to one exit code in `exitCodeOf`, the only
 * place the CLI learns how to end.
 */

import type { Post } from "@mattermost/types/posts";

export type ErrorKind = "config" | "usage" | "server" | "network" | "after-send";

export abstract class MmnError extends Error {
  abstract readonly kind: ErrorKind;
  /** One line telling the user what to do about it, when we know. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Missing or invalid configuration: no URL, no token, unreadable config file. */
export class ConfigError extends MmnError {
  readonly kind = "config";
}

/** Bad input from the caller; nothing was sent. */
export class UsageError extends MmnError {
  readonly kind = "usage";
}

export interface RequestInfo {
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
  readonly kind = "server";
  readonly status: number;
  /** The server's error id, e.g. `api.context.permissions.app_error`. */
  readonly serverId: string | undefined;
  readonly requestId: string | undefined;
  readonly request: RequestInfo;
  readonly retryAfterMs: number | undefined;
  readonly refillMs: number | undefined;

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
  readonly kind = "network";
  readonly request: RequestInfo;
  /** The request may have reached the server (it timed out, the connection broke): a repeat must be harmless. */
  readonly reachedServer: boolean;
  /** Repeating cannot help (an untrusted certificate stays untrusted). */
  readonly permanent: boolean;

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
  readonly kind = "after-send";
  readonly post: Post;

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
 * The process exit code for an error; anything that is not ours is a failure (1). A rejected token is
 * configuration (3).
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
