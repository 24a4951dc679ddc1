/** What Notify's methods take: the options of each, in one place for the library's users. */
import type { OptionKeys } from "./arguments.ts";
import type { FileInput } from "./files.ts";
import type { HookStore } from "./hooks.ts";
import type { ApiOptions } from "./mattermost/api.ts";
import type { NameCache } from "./names.ts";
import type { Oversized } from "./posting.ts";
import type { Recipient } from "./recipient.ts";

export interface NotifyOptions extends ApiOptions {
  /** Team of the channels named in `sendToChannel`; not needed for direct messages. */
  team?: string;
  /** Where message hooks are kept; in memory by default, like the seed. */
  hooks?: HookStore;
  /** Where resolved names are kept; in memory by default. */
  names?: NameCache;
  maxMessageRunes?: number;
}

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
  oversized?: Oversized;
}

export interface UpdateOptions {
  id: string;
  /** Attached with a reply in the message's thread: edits do not carry files on older servers. */
  files?: FileInput | readonly FileInput[];
  /** Add to the message on the server instead of replacing it. */
  append?: boolean;
  /** Replaces all the post's props. */
  props?: Record<string, unknown>;
}

export interface ReplyOptions {
  /** Id of the message whose thread gets the reply. */
  to: string;
  /** Remember the reply under this id. */
  id?: string;
  /** A path, `{ path, name }`, or a list of them. */
  files?: FileInput | readonly FileInput[];
  props?: Record<string, unknown>;
}

export interface ServerLimits {
  /** Largest file an upload may hold, in bytes. */
  maxFileSize?: number;
  version?: string;
}

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
