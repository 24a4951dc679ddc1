/**
 * The outbox: what the network failed to deliver, kept on the shared home and delivered
 * later by `mmn relay` (or by the next request of the run that kept it).
 */
import { UsageError } from "../base/errors.ts";
import type { Client } from "../client/client.ts";
import { type DeliveryCounts, deliverEntries } from "./deliver.ts";

export { isQueued } from "./courier.ts";
export type { DeliveryCounts } from "./deliver.ts";
export { defaultOutboxDir, Outbox } from "./store.ts";
export { queuedPosts } from "./summary.ts";

/**
 * Delivers what is queued in the client's outbox, oldest first, one post's entries in order,
 * stopping at the first failure of the network; `backoffMs` says how long to wait after a 429 or
 * a 5xx. For `mmn relay`'s loop and `--status`.
 */
export function deliverOutbox(
  client: Client,
  options: { hostFilter?: readonly string[]; now?: number; limit?: number; warn?: (message: string) => void } = {},
): Promise<DeliveryCounts> {
  if (!client.outbox) throw new UsageError("this client has no outbox");
  const { direct, store } = client.outbox;
  return deliverEntries(direct, store, {
    server: client.serverUrl,
    hosts: options.hostFilter,
    now: options.now,
    limit: options.limit,
    warn: options.warn,
  });
}
