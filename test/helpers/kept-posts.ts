import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type PostEntry, standIn } from "../../src/outbox/entry.ts";

/**
 * An outbox as nodes without a route leave it, written straight as the store names and writes
 * its entries (the store's own put, which checks its bound each time, takes ~20 s for 1,000):
 * `posts` posts, each with `replies` replies, spread over `hosts`, their entries interleaved in
 * time. Message texts: "post P message M" (M = 0 the post itself).
 */
export function keepPosts(
  root: string,
  o: { server: string; posts: number; replies: number; hosts: string[]; to?: PostEntry["to"] },
): void {
  let n = 0;
  const start = Date.now() - 60_000;
  for (const host of o.hosts) mkdirSync(join(root, host, "claimed"), { recursive: true, mode: 0o700 });
  for (let p = 0; p < o.posts; p++) {
    const host = o.hosts[p % o.hosts.length]!;
    const ref = standIn();
    for (let m = 0; m <= o.replies; m++) {
      const entry: PostEntry = {
        v: 1,
        kind: "post",
        key: crypto.randomUUID(),
        server: o.server,
        createdAt: start,
        ref: m ? standIn() : ref,
        to: o.to ?? { user: "alice" },
        ...(m ? { rootId: ref } : {}),
        message: `post ${p} message ${m}`,
        pendingPostId: `mmn:${crypto.randomUUID()}`,
      };
      const stamp = String(start + m * o.posts + p).padStart(14, "0");
      const name = `${stamp}-4242-${String(n++).padStart(6, "0")}.${ref}.json`;
      writeFileSync(join(root, host, name), JSON.stringify(entry), { mode: 0o600 });
    }
  }
}
