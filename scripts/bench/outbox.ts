/**
 * What the outbox costs: a live edit through the courier `mmn run` uses (the outbox in front of
 * the direct one) against the direct one alone, and the relay's throughput delivering kept
 * messages to a server that limits its rate.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client/client.ts";
import { Outbox } from "../../src/outbox/index.ts";
import { keepPosts } from "../../test/helpers/kept-posts.ts";
import { startTestServer, type TestServer } from "../../test/server/index.ts";
import { median } from "./measure.ts";

export interface EditCost {
  direct: number;
  outbox: number;
  /** The same, with this many entries of other posts waiting in the host's outbox. */
  outboxBusy: number;
  busyEntries: number;
}

/** Median ms of one edit of a post, interleaved: direct, through an empty outbox, through a busy one. */
export async function editCost(server: TestServer, runs: number, busyEntries: number): Promise<EditCost> {
  const options = { url: server.url, token: server.token, team: "research" };
  const direct = new Client(options);
  const empty = new Client(options, { outbox: new Outbox(mkdtempSync(join(tmpdir(), "mmn-bench-ob-")), "node1") });
  const busyRoot = mkdtempSync(join(tmpdir(), "mmn-bench-ob-"));
  keepPosts(busyRoot, { server: "http://elsewhere.invalid", posts: busyEntries / 10, replies: 9, hosts: ["node1"] });
  const busy = new Client(options, { outbox: new Outbox(busyRoot, "node1") });
  const post = await direct.send("bench: live edits", { user: "alice" });
  const times = { direct: [] as number[], outbox: [] as number[], outboxBusy: [] as number[] };
  const timed = async (client: Client, i: number) => {
    const started = performance.now();
    await client.edit(post, { message: `bench: live edit ${i}` });
    return performance.now() - started;
  };
  for (let i = 0; i < runs; i++) {
    times.direct.push(await timed(direct, i));
    times.outbox.push(await timed(empty, i));
    times.outboxBusy.push(await timed(busy, i));
  }
  return {
    direct: median(times.direct),
    outbox: median(times.outbox),
    outboxBusy: median(times.outboxBusy),
    busyEntries,
  };
}

export interface RelayRate {
  messages: number;
  seconds: number;
  /** Answers 429 the relay got, and the server's limit. */
  throttled: number;
  limit?: { perSecond: number; burst: number };
}

/** `mmn relay --once` over `messages` kept messages (posts of 10: a post and 9 replies) against a fresh server. */
export async function relayRate(
  mmn: string,
  messages: number,
  limit?: { perSecond: number; burst: number },
): Promise<RelayRate> {
  const server = await startTestServer(limit ? { rateLimit: limit } : {});
  try {
    const home = mkdtempSync(join(tmpdir(), "mmn-bench-relay-"));
    await Bun.write(join(home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nteam=research\nuser=alice\n`);
    const root = join(home, ".local/state/mmn/outbox");
    keepPosts(root, { server: server.url, posts: messages / 10, replies: 9, hosts: ["node1", "node2"] });
    const started = performance.now();
    const proc = Bun.spawn([mmn, "relay", "--once"], {
      env: { HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1" },
      stdout: "ignore",
      stderr: "pipe",
    });
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    const seconds = (performance.now() - started) / 1000;
    const left = ["node1", "node2"].flatMap((h) => readdirSync(join(root, h)).filter((n) => n.endsWith(".json")));
    const made = server.postsIn(server.dmChannelWith(server.users.alice.id)?.id ?? "none").length;
    if (code !== 0 || left.length || made !== messages)
      throw new Error(`mmn relay exited ${code}, ${made} of ${messages} made, ${left.length} left: ${stderr}`);
    const throttled = server.requests.filter((r) => r.status === 429).length;
    return { messages, seconds, throttled, ...(limit ? { limit } : {}) };
  } finally {
    await server.close();
  }
}
