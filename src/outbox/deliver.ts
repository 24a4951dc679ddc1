import { fs } from "../base/disk.ts";
import { errorMessage, isTransient, NetworkError, ServerError } from "../base/errors.ts";
import type { Address, Courier } from "../client/courier.ts";
import type { Deadline } from "../mattermost/api.ts";
import { type Entry, isStandIn } from "./entry.ts";
import type { Listed, Outbox } from "./store.ts";

export interface DeliverOptions {
  /** The server these entries were kept for: another server's are left. */
  server: string;
  /** Only these hosts' outboxes (all by default). */
  hosts?: readonly string[] | undefined;
  /** At most this many entries this time. */
  limit?: number | undefined;
  /** The time ages are counted from (ms). */
  now?: number | undefined;
  warn?: ((message: string) => void) | undefined;
  /** The deadline of the call that asked for this delivery (a run's end): its requests stop there. */
  deadline?: Deadline | undefined;
}

/** What a delivery did, for `mmn relay --status` and its loop. */
export interface DeliveryCounts {
  delivered: number;
  /** Entries still waiting (the network failed, or they wait for a post still queued). */
  left: number;
  /** Entries the server refused (4xx): kept aside as `.failed`, never sent again. */
  failed: number;
  /** How long the oldest entry left has waited, in ms. */
  oldestMs: number | undefined;
  /** The server asked for a pause (429) or failed (5xx): wait this long before the next try. */
  backoffMs: number | undefined;
}

const BACKOFF_MS = 5000;
/** Clocks of the node that kept an entry and of the server differ: the look-up starts this much earlier. */
const LOOK_BACK_MS = 10 * 60 * 1000;

/**
 * The outbox's entries sent, oldest first, one post's entries in order (an entry waits while
 * an older one of its post is claimed elsewhere or still waits, and while the post it edits
 * or answers is not made yet). Each is claimed by a rename first, so that two deliverers
 * never send one entry twice; the first failure of the network stops the delivery.
 */
export async function deliverEntries(
  direct: Courier,
  outbox: Outbox,
  options: DeliverOptions,
): Promise<DeliveryCounts> {
  const hosts = options.hosts ?? (await outbox.hosts());
  const blocked = new Set<string>();
  for (const host of hosts) {
    const { chains, stale } = await outbox.claims(host);
    for (const name of stale) await outbox.reclaim(host, name);
    for (const chain of chains) blocked.add(chain);
  }
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let delivered = 0;
  let failed = 0;
  let backoffMs: number | undefined;
  for (const listed of await outbox.list(hosts)) {
    if (backoffMs !== undefined || delivered >= limit) break;
    if (blocked.has(listed.chain)) continue;
    const claimed = await outbox.claim(listed, options.warn);
    if (!claimed) {
      blocked.add(listed.chain);
      continue;
    }
    const { entry, path } = claimed;
    if (await outbox.hasOlder(listed, hosts)) {
      await outbox.unclaim(listed, path);
      blocked.add(listed.chain);
      continue;
    }
    try {
      if (entry.server !== options.server || !(await send(direct, outbox, listed, entry, options.deadline))) {
        await outbox.unclaim(listed, path);
        blocked.add(listed.chain);
        continue;
      }
      await outbox.done(listed, path, entry);
      delivered++;
    } catch (error) {
      if (isTransient(error)) {
        // The server may have made the post and its answer been lost: looked up before the next attempt.
        const maybe = !(error instanceof NetworkError) || error.reachedServer;
        await (maybe ? outbox.retry(listed, path, entry) : outbox.unclaim(listed, path));
        backoffMs = error instanceof ServerError ? (error.retryAfterMs ?? BACKOFF_MS) : BACKOFF_MS;
        break;
      }
      options.warn?.(`outbox: ${listed.name} refused by the server: ${errorMessage(error)}; kept as .failed`);
      await (await fs()).rename(path, `${outbox.dir(listed.host)}/${listed.name}.failed`).catch(() => {});
      blocked.add(listed.chain);
      failed++;
    }
  }
  const left = await outbox.list(hosts);
  const now = options.now ?? Date.now();
  const oldest = left[0]?.stamp;
  return { delivered, left: left.length, failed, oldestMs: oldest === undefined ? undefined : now - oldest, backoffMs };
}

/** One entry sent; false when a post it needs is not made yet. */
async function send(
  direct: Courier,
  outbox: Outbox,
  listed: Listed,
  entry: Entry,
  deadline: Deadline | undefined,
): Promise<boolean> {
  const real = async (id: string | undefined, as: "id" | "channel_id") => {
    if (!isStandIn(id)) return id;
    return (await outbox.posted(id))?.[as];
  };
  const rootId = await real(entry.rootId, "id");
  const channelId = await real(entry.channelId, "channel_id");
  if ((entry.rootId && !rootId) || (entry.channelId && !channelId)) return false;
  if (entry.kind === "edit") {
    const target = await real(entry.target, "id");
    if (!target) return false;
    if (entry.mode === "patch")
      await direct.patch(target, { message: entry.message, props: entry.props }, { deadline });
    else
      await direct.edit({ id: target, channelId: channelId ?? "", rootId }, entry.message, {
        props: entry.props,
        deadline,
      });
    return true;
  }
  const address = (entry.to ? { to: entry.to, rootId } : { channelId, rootId }) as Address;
  // Mattermost forgets a pending_post_id within seconds: a post an attempt made is found by its key.
  const made = entry.tried
    ? await direct.find?.(address, entry.key, entry.createdAt - LOOK_BACK_MS, { deadline })
    : undefined;
  if (made) {
    await outbox.remember(entry.ref, made);
    return true;
  }
  const files = [];
  for (const file of entry.files ?? []) {
    const path = outbox.fileOf(listed.host, file.copy);
    const info = await (await fs()).lstat(path);
    files.push({ path, name: file.name, size: info.size, offset: 0 });
  }
  const { post } = await direct.post(entry.message, address, {
    files,
    ...(entry.fileIds ? { fileIds: entry.fileIds } : {}),
    props: { ...entry.props, mmn_outbox: entry.key },
    pendingPostId: entry.pendingPostId,
    deadline,
  });
  await outbox.remember(entry.ref, post);
  return true;
}
