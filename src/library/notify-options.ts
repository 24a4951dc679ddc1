/** What Notify's methods take: the options of each, in one place for the library's users. */

import type { RequestInfo } from "../base/errors.ts";
import type { FileInput } from "../client/files.ts";
import type { NameCache } from "../client/names.ts";
import type { Recipient } from "../client/recipient.ts";
import type { HookStore } from "../hooks/hooks.ts";
import type { OptionKeys } from "./arguments.ts";

/** What `new Notify()` takes: the server and the token, and how its requests are made. */
export interface NotifyOptions {
  /** The server's address, `https://chat.example.org` (no `/api/v4`); without a scheme, `https://`. */
  url: string;
  /** A bot's (or a personal) access token. It never appears in an error. */
  token: string;
  /**
   * An incoming webhook's URL (`https://chat.example.org/hooks/KEY`) instead of a token (give
   * `token: ""`): new posts only, no files, edits or replies. As secret as a token: never shown.
   */
  webhook?: string;
  /** Team of the channels named in `sendToChannel`; not needed for direct messages. */
  team?: string;
  /** Where message hooks are kept: in memory by default, as in the Python package Mattermost Notify (Python). */
  hooks?: HookStore;
  /** Where resolved names are kept; in memory by default. */
  names?: NameCache;
  /** The `User-Agent` of the requests. */
  userAgent?: string;
  /** An HTTP(S) proxy's URL (Bun only: under Node it is a ConfigError); `HTTPS_PROXY` is honoured anyway. */
  proxy?: string;
  /** PEM text of extra CA certificates to trust (Bun only: under Node, use `NODE_EXTRA_CA_CERTS`). */
  ca?: string;
  /** Limit of one attempt, in milliseconds (default 15 s). */
  timeoutMs?: number;
  /** Attempts after the first one at most, for failures a repeat can fix (default: as many as fit in totalTimeoutMs). */
  retries?: number;
  /** Limit of a request with all its repeats (default 20 s); an upload gets at least the time its size needs. */
  totalTimeoutMs?: number;
  /** Longest wait for a rate limit to reset before giving up, in milliseconds (default: until totalTimeoutMs). */
  maxRetryWaitMs?: number;
  /** The first pause before a repeat (default 200 ms), doubling to 16 times it, jittered. */
  retryBackoffMs?: number;
  /** Called before each repeat, so that a program can tell its user why it waits. */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string; request: RequestInfo }) => void;
  /** Called after each attempt with its outcome (status 0: no answer). */
  onAttempt?: (info: { request: RequestInfo; status: number; ms: number }) => void;
  /** The longest text of one post, in code points (the server's limit, 16 383, by default). */
  maxMessageRunes?: number;
}

/** What `send`, `sendToUser` and `sendToChannel` take besides the message and the recipient. */
export interface SendOptions {
  /** A path, `{ path, name }`, or a list of them. */
  files?: FileInput | readonly FileInput[];
  /** Remember the message under this id, so that it can be updated later. */
  id?: string;
  /** Post as a reply in this thread (a post id). */
  rootId?: string;
  /** Post props, e.g. `{ attachments: [...] }` for a coloured card. */
  props?: Record<string, unknown>;
  /**
   * The post's `pending_post_id` (at most 64 characters), which the server deduplicates by:
   * sending again with the same one after a timeout yields the post the first attempt
   * created, not a second. Default: a new one per call. Long messages' follow-ups get their own.
   */
  pendingPostId?: string;
  /**
   * A file larger than the server takes: `skip` (default) sends the message with the files
   * that fit, says in it which did not, then throws an AfterSendError naming the post;
   * `fail` sends nothing and throws the server's refusal.
   */
  oversized?: "skip" | "fail";
}

/** What `sendUpdate` takes: the id of the message to edit, and how. */
export interface UpdateOptions {
  /** The id the message was sent (or its hook imported) under. */
  id: string;
  /** Attached with a reply in the message's thread: edits do not carry files on older servers. */
  files?: FileInput | readonly FileInput[];
  /** Add to the message on the server instead of replacing it. */
  append?: boolean;
  /** Replaces all the post's props. */
  props?: Record<string, unknown>;
}

/** What `reply` takes: the message to answer, and the reply's files and id. */
export interface ReplyOptions {
  /** Id of the message whose thread gets the reply. */
  to: string;
  /** Remember the reply under this id. */
  id?: string;
  /** A path, `{ path, name }`, or a list of them. */
  files?: FileInput | readonly FileInput[];
  /** Post props, e.g. `{ attachments: [...] }` for a coloured card. */
  props?: Record<string, unknown>;
}

/** What the server allows, as `serverLimits()` asks it. */
export interface ServerLimits {
  /** Largest file an upload may hold, in bytes. */
  maxFileSize?: number;
  /** The server's version, e.g. `11.9.0`. */
  version?: string;
}

/** What `deliver` takes: where a new message goes, or the id of one known. */
export interface DeliverOptions {
  /** Where a new message goes; not needed when `id` names a known message or `replyTo` is given. */
  to?: Recipient | undefined;
  /** A known id edits its message; a new one is remembered for that. */
  id?: string | undefined;
  /** Post in the thread of the message known by this id instead. */
  replyTo?: string | undefined;
  /** A path, `{ path, name }`, or a list of them. */
  files?: FileInput | readonly FileInput[];
}

/** The keys each takes, for the checks a JavaScript caller (or a Python habit) needs: see arguments.ts. */
export const NOTIFY_KEYS: OptionKeys<NotifyOptions> = {
  url: true,
  token: true,
  webhook: true,
  userAgent: true,
  proxy: true,
  ca: true,
  timeoutMs: true,
  retries: true,
  totalTimeoutMs: true,
  maxRetryWaitMs: true,
  retryBackoffMs: true,
  onRetry: true,
  onAttempt: true,
  team: true,
  hooks: true,
  names: true,
  maxMessageRunes: true,
};
export const SEND_KEYS: OptionKeys<SendOptions> = {
  files: true,
  id: true,
  rootId: true,
  props: true,
  pendingPostId: true,
  oversized: true,
};
export const UPDATE_KEYS: OptionKeys<UpdateOptions> = { id: true, files: true, append: true, props: true };
export const REPLY_KEYS: OptionKeys<ReplyOptions> = { to: true, id: true, files: true, props: true };
export const DELIVER_KEYS: OptionKeys<DeliverOptions> = { to: true, id: true, replyTo: true, files: true };
