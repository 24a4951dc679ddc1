/**
 * `bun scripts/rate-limit.ts [--runs N] [--sends N]`: what gets through a rate-limited server
 * when many mmn start at once, as an array's tasks or a cluster behind one NAT address do.
 * The test server on loopback limits the bot's token as Mattermost does (throttled's GCRA,
 * 10 requests/s, burst 100: Mattermost's defaults); dist/mmn runs with its real timings.
 *   1. N (100) `mmn run -- true` at once, sharing $HOME: notifying replies that arrived,
 *      statuses left at "running", runs that never posted;
 *   2. N (200) `mmn send` at once: how many landed.
 * Every process is bounded by mmn's own budgets (60 s at a run's end, --timeout for a send).
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { sandbox } from "../test/helpers/cli.ts";
import { startTestServer } from "../test/server/index.ts";

const ROOT = join(import.meta.dir, "..");
const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const RUNS = arg("--runs", 100);
const SENDS = arg("--sends", 200);
const QUOTA = { perSecond: arg("--per-second", 10), burst: arg("--burst", 100) };
const at = process.argv.indexOf("--mmn");
const MMN = at >= 0 ? (process.argv[at + 1] ?? "") : join(ROOT, "dist/mmn");

if (!statSync(MMN, { throwIfNoEntry: false })) {
  console.error("dist/mmn is missing: run `bun run build` first");
  process.exit(2);
}

async function spawnAll(count: number, args: (i: number) => string[], env: Record<string, string>) {
  const started = performance.now();
  const codes = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const proc = Bun.spawn([MMN, ...args(i)], { env, stdout: "ignore", stderr: "ignore", stdin: "ignore" });
      return proc.exited;
    }),
  );
  return { codes, seconds: (performance.now() - started) / 1000 };
}

const server = await startTestServer({ rateLimit: QUOTA });
try {
  const statusOf = (code: number) => server.requests.filter((r) => r.status === code).length;
  console.log(`rate limit ${QUOTA.perSecond} requests/s, burst ${QUOTA.burst}`);

  // 1. Runs: one status post each (titled run-I), edited at the end, and a reply that notifies.
  let box = sandbox(server, { user: "alice" });
  const runs = await spawnAll(RUNS, (i) => ["run", "--title", `run-${i}`, "--", "true"], box.env);
  const dm = server.dmChannelWith(server.users.alice.id)?.id ?? "";
  const posts = server.postsIn(dm);
  const roots = posts.filter((p) => !p.root_id);
  const replies = posts.filter((p) => p.root_id);
  const running = roots.filter((p) => !/succeeded/.test(p.message));
  const posted = new Set(roots.map((p) => /\*\*run-(\d+)\*\*/.exec(p.message)?.[1]));
  console.log(
    `${RUNS} mmn run -- true at once: ${replies.length} notifying replies, ${running.length} statuses left running, ` +
      `${RUNS - posted.size} never posted; exit codes ${[...new Set(runs.codes)].join(",")}; ` +
      `${statusOf(429)} answered 429, ${server.requests.length - statusOf(429)} served; last ended after ${runs.seconds.toFixed(1)} s`,
  );

  // 2. Sends, against a full bucket again: with the names not yet known (three lookups and the
  // post each), then known (the post alone, as any send after the first on a $HOME).
  for (const cache of ["cold", "warm"]) {
    server.reset();
    box = sandbox(server, { user: "alice" });
    // The warm-up's four requests stay in the bucket: a reset would forget the DM channel too.
    if (cache === "warm") await spawnAll(1, () => ["send", "warm-up", "-u", "alice"], box.env);
    const sends = await spawnAll(SENDS, (i) => ["send", `send ${i}`, "-u", "alice"], box.env);
    const dmOf = server.dmChannelWith(server.users.alice.id)?.id ?? "";
    const landed = new Set(server.postsIn(dmOf).map((p) => p.message));
    landed.delete("warm-up");
    console.log(
      `${SENDS} mmn send at once, names ${cache === "cold" ? "not yet cached" : "cached"}: ${landed.size} landed, ` +
        `${SENDS - landed.size} lost; ${sends.codes.filter((c) => c !== 0).length} exited non-zero; ` +
        `${statusOf(429)} answered 429, ${server.requests.length - statusOf(429)} served; last ended after ${sends.seconds.toFixed(1)} s`,
    );
  }
} finally {
  await server.close();
}
