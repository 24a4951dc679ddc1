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

/** The server answered with an error status. */
export class ServerError extends MmnError {
  readonly kind = "server";
  readonly status: number;
  /** The server's error id, e.g. `api.context.permissions.app_error`. */
  readonly serverId: string | undefined;
  readonly requestId: string | undefined;
  readonly request: RequestInfo;

  constructor(
    message: string,
    details: { status: number; serverId?: string; requestId?: string; request: RequestInfo; hint?: string },
  ) {
    super(message, { hint: details.hint });
    this.status = details.status;
    this.serverId = details.serverId;
    this.requestId = details.requestId;
    this.request = details.request;
  }

  /** The same failure told in the caller's words, which know what was being attempted. */
  rephrase(message: string, hint = this.hint): ServerError {
    return new ServerError(message, { ...this, hint });
  }
}

/** The server could not be reached or did not answer in time. */
export class NetworkError extends MmnError {
  readonly kind = "network";
  readonly request: RequestInfo;

  constructor(message: string, details: { request: RequestInfo; cause?: unknown; hint?: string }) {
    super(message, { hint: details.hint, cause: details.cause });
    this.request = details.request;
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
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`the message was sent (post ${post.id}), but ${reason}`, {
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

/** The process exit code for an error; anything that is not ours is a failure (1). */
export function exitCodeOf(error: unknown): number {
  return error instanceof MmnError ? EXIT_CODES[error.kind] : 1;
}

/** Replace every occurrence of the secrets in a text; used on anything that may be shown. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
