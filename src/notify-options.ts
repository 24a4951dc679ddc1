/** What Notify's methods take: the options of each, in one place for the library's users. */
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
  files?: FileInput[];
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
  files?: FileInput[];
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
  files?: FileInput[];
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
  files?: FileInput[];
}
