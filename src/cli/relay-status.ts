import { hostname } from "node:os";
import { printable } from "../base/printable.ts";
import { defaultOutboxDir, Outbox, queuedPosts } from "../outbox/index.ts";
import type { RunRegistry } from "../relay/registry.ts";
import { print, ui } from "./ui.ts";

/**
 * `mmn relay --status`: what waits in the outbox (every host's), a line a post, and the runs
 * that still say running; from the files alone, asking no one.
 */
export async function relayStatus(
  registry: RunRegistry,
  env: Record<string, string | undefined>,
  json: boolean,
  now = Date.now(),
): Promise<number> {
  const outbox = new Outbox(defaultOutboxDir(env), hostname());
  const queued = await queuedPosts(outbox);
  const runs = await registry.list();
  if (json) {
    const out = {
      outbox: queued.map((q) => ({
        host: q.host,
        post: q.post,
        entries: q.entries,
        oldest: new Date(q.oldest).toISOString(),
        claimed_by: q.claimedBy ?? null,
        preview: q.preview,
      })),
      runs: runs.map(({ record, since }) => ({
        name: record.name || record.hookId,
        host: record.host,
        pid: record.pid,
        job_id: record.job?.jobId ?? null,
        post_id: record.post.postId,
        since: new Date(Math.min(since, record.startedAt)).toISOString(),
      })),
    };
    print(`${JSON.stringify(out)}\n`);
    return 0;
  }
  if (!queued.length) ui.info(`nothing queued in the outbox (${outbox.root})`);
  else print(`queued in the outbox (${outbox.root}):\n`);
  for (const q of queued) {
    const count = `${q.entries} message${q.entries === 1 ? "" : "s"}`;
    const claim = q.claimedBy ? `, being delivered by ${printable(q.claimedBy, 120)}` : "";
    const what = q.preview ? ` "${q.preview}"` : "";
    print(
      `  post ${q.post}${what} from ${printable(q.host, 100)}: ${count}, the oldest ${ago(now - q.oldest)} (${stamp(q.oldest)})${claim}\n`,
    );
  }
  if (!runs.length) {
    ui.info(`no run says running (${registry.dir})`);
    return 0;
  }
  print(`runs that still say running (${registry.dir}):\n`);
  for (const { record, since } of runs) {
    const where = record.job ? `job ${record.job.jobId} on ${record.host}` : `pid ${record.pid} on ${record.host}`;
    const name = printable(record.name || record.hookId, 200);
    const from = Math.min(since, record.startedAt);
    print(`  ${name}\t${where}\tsince ${stamp(from)} (${ago(now - from)})\n`);
  }
  return 0;
}

/** "40 s ago", "5 min ago", "2 h 03 min ago", "3 days ago". */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/** The local time, to the second, as `date` would say it: "2026-12-07 01:30:12". */
function stamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
