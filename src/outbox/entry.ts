import type { Recipient } from "../client/recipient.ts";

/**
 * One parcel kept for later. A new post has a stand-in id (`ref`), shaped like a post's id so
 * that a hook file can hold it, and never one the server makes (its alphabet has no `0`):
 * edits and replies made meanwhile name it, and are sent once it is mapped to the real post.
 */
export interface PostEntry {
  v: 1;
  kind: "post";
  key: string;
  server: string;
  createdAt: number;
  ref: string;
  to?: Recipient;
  channelId?: string;
  rootId?: string;
  message: string;
  props?: Record<string, unknown>;
  pendingPostId: string;
  /** Copies kept beside the entry, as the post would have carried them. */
  files?: { name: string; copy: string }[];
  /** An attempt may have made it (its answer was lost, its deliverer died): looked up before it is sent again. */
  tried?: boolean;
  /** Files already uploaded to the channel, carried by this post. */
  fileIds?: string[];
}

export interface EditEntry {
  v: 1;
  kind: "edit";
  key: string;
  server: string;
  createdAt: number;
  /** The post's id, or a queued post's stand-in. */
  target: string;
  channelId?: string;
  rootId?: string;
  /** `patch`: replaced exactly as given; `edit`: split as a post's message (a long text's rest in the thread). */
  mode: "patch" | "edit";
  message: string;
  props?: Record<string, unknown>;
  /** The end's word on a post: never the one dropped to keep the outbox within its bound. */
  final?: boolean;
}

export type Entry = PostEntry | EditEntry;

const STAND_IN_PREFIX = "00";

/** A stand-in id for a post not made yet: 26 characters like the server's, which never start with `0`. */
export function standIn(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return STAND_IN_PREFIX + Array.from(bytes, (b) => alphabet[b % 36]).join("");
}

/** Whether an id is a stand-in of a queued post rather than the server's. */
export const isStandIn = (id: string | undefined): id is string =>
  typeof id === "string" && id.length === 26 && id.startsWith(STAND_IN_PREFIX);

/** The post an entry belongs to: one post's entries go one at a time, oldest first. */
export function chainOf(entry: Entry): string {
  if (entry.kind === "edit") return entry.target;
  return entry.rootId || entry.ref;
}

/** An entry read back from disk, checked for the fields delivery relies on. */
export function parseEntry(text: string): Entry {
  const value = JSON.parse(text) as Partial<Entry>;
  const ok =
    value &&
    value.v === 1 &&
    typeof value.key === "string" &&
    typeof value.server === "string" &&
    typeof value.message === "string" &&
    ((value.kind === "post" && typeof value.ref === "string" && typeof value.pendingPostId === "string") ||
      (value.kind === "edit" && typeof value.target === "string"));
  if (!ok) throw new Error("not an outbox entry");
  return value as Entry;
}
