import { printable } from "../base/printable.ts";
import { readStateFile } from "../base/read-file.ts";
import { parseEntry } from "./entry.ts";
import type { Outbox } from "./store.ts";

/** What waits in the outbox for one post: `mmn relay --status`'s line. */
export interface QueuedPost {
  host: string;
  /** The post's id, or the stand-in of a post not made yet. */
  post: string;
  entries: number;
  /** When the oldest of its entries was kept (epoch ms). */
  oldest: number;
  /** Who holds a claim on one of its entries now (`host@pid`), if anyone does. */
  claimedBy?: string;
  /** The start of the oldest entry's message, as it would be sent. */
  preview: string;
}

/** An entry's bound, as the store's. */
const PREVIEW_BYTES = 1024 * 1024;

/** Every host's outbox, one line a post, oldest first; reads one entry a post, asks no one. */
export async function queuedPosts(outbox: Outbox): Promise<QueuedPost[]> {
  const found = new Map<string, QueuedPost>();
  for (const host of await outbox.hosts()) {
    const { by } = await outbox.claims(host);
    for (const listed of await outbox.list([host])) {
      const key = `${host}\n${listed.chain}`;
      const seen = found.get(key);
      if (seen) {
        seen.entries++;
        continue;
      }
      const claimedBy = by.get(listed.chain)?.claimer;
      found.set(key, {
        host,
        post: listed.chain,
        entries: 1,
        oldest: listed.stamp,
        ...(claimedBy ? { claimedBy } : {}),
        preview: await preview(`${outbox.dir(host)}/${listed.name}`),
      });
    }
    // A post whose only entry is being sent now: claimed, no longer listed.
    for (const [chain, claim] of by)
      if (!found.has(`${host}\n${chain}`))
        found.set(`${host}\n${chain}`, {
          host,
          post: chain,
          entries: 1,
          oldest: claim.stamp,
          claimedBy: claim.claimer,
          preview: await preview(`${outbox.dir(host)}/claimed/${claim.name}~${claim.claimer}`),
        });
  }
  return [...found.values()].sort((a, b) => a.oldest - b.oldest);
}

async function preview(path: string): Promise<string> {
  try {
    return printable(parseEntry((await readStateFile(path, PREVIEW_BYTES)).text).message, 60);
  } catch {
    // Sent meanwhile, or not one we may read: its line says no more.
    return "";
  }
}
