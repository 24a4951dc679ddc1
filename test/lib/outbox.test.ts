import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client/client.ts";
import { deliverOutbox, isQueued, Outbox } from "../../src/outbox/index.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const fast = { timeoutMs: 300, totalTimeoutMs: 600, retryBackoffMs: 10 };
const clientWith = (outbox: Outbox, offline = false, retries?: number) =>
  new Client(
    { url: server.url, token: server.token, team: "research", ...fast, ...(retries === undefined ? {} : { retries }) },
    { outbox, offline },
  );
const newOutbox = (host = "node1") => new Outbox(mkdtempSync(join(tmpdir(), "mmn-outbox-")), host);
const alice = () => server.postsIn(server.dmChannelWith(server.users.alice.id)?.id ?? "none");

test("a server refusing connections: the post, its edits and its reply are kept, then delivered once, in order, edits coalesced", async () => {
  const outbox = newOutbox();
  const client = clientWith(outbox);
  await server.refuse();
  const post = await client.send("⏳ running", { user: "alice" }, { id: "job" });
  expect(isQueued(post)).toBe(true);
  for (const n of [1, 2, 3]) await client.edit(post, { message: `⏳ running ${n}` });
  const log = join(mkdtempSync(join(tmpdir(), "mmn-log-")), "out.log");
  writeFileSync(log, "the log\n");
  await client.reply("✅ done", { to: "job", files: [log] });
  await client.edit(post, { message: "✅ succeeded" }, { final: true });
  const dir = outbox.dir();
  const entries = readdirSync(dir).filter((n) => n.endsWith(".json"));
  // The post, one edit (the four coalesced to the last), the reply.
  expect(entries).toHaveLength(3);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  for (const name of entries) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);

  await server.accept();
  const counts = await deliverOutbox(clientWith(outbox));
  expect(counts).toMatchObject({ delivered: 3, left: 0, failed: 0 });
  const [status, reply, ...rest] = alice();
  expect(rest).toHaveLength(0);
  expect(status!.message).toBe("✅ succeeded");
  expect(reply!.root_id).toBe(status!.id);
  expect(reply!.message).toBe("✅ done");
  expect(server.files.get(reply!.file_ids![0]!)!.content.toString()).toBe("the log\n");
  // Only the last edit was sent.
  expect(server.requests.filter((q) => q.method === "PUT")).toHaveLength(1);
  // The hook keeps the stand-in; an edit through it reaches the real post.
  await client.sendUpdate("edited later", { id: "job" });
  expect(alice()[0]!.message).toBe("edited later");
});

test("a 4xx refusal is no failure of the network: it stays an error, nothing is kept", async () => {
  const outbox = newOutbox();
  await expect(clientWith(outbox).send("hi", { user: "nobody-here" })).rejects.toThrow();
  expect(await outbox.list([outbox.host])).toHaveLength(0);
});

test("delivery=outbox: no request at all, everything kept", async () => {
  const outbox = newOutbox();
  const client = clientWith(outbox, true);
  const post = await client.send("queued", { user: "alice" });
  await client.edit(post, { message: "queued, edited" });
  expect(server.requests).toHaveLength(0);
  expect(await deliverOutbox(clientWith(outbox))).toMatchObject({ delivered: 2, left: 0 });
  expect(alice().map((p) => p.message)).toEqual(["queued, edited"]);
});

test("two deliverers at once over 200 queued entries: each delivered once, in order per post", async () => {
  const outbox = newOutbox();
  const client = clientWith(outbox, true);
  for (let i = 0; i < 100; i++) {
    const post = await client.send(`post ${i}`, { user: "alice" }, { id: `p${i}` });
    await client.reply(`reply ${i}`, { to: `p${i}` });
    void post;
  }
  const [a, b] = await Promise.all([deliverOutbox(clientWith(outbox)), deliverOutbox(clientWith(outbox))]);
  const more = await deliverOutbox(clientWith(outbox));
  expect(a.delivered + b.delivered + more.delivered).toBe(200);
  const posts = alice();
  expect(posts).toHaveLength(200);
  for (let i = 0; i < 100; i++) {
    const root = posts.find((p) => p.message === `post ${i}`)!;
    const replies = posts.filter((p) => p.message === `reply ${i}`);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.root_id).toBe(root.id);
  }
});

test("another user's file planted in the outbox is refused with a warning, never sent", async () => {
  if (process.getuid?.() !== 0) return;
  const outbox = newOutbox();
  await clientWith(outbox, true).send("mine", { user: "alice" });
  const dir = outbox.dir();
  const planted = join(dir, `${"9".repeat(14)}-1-000000.${"a".repeat(26)}.json`);
  writeFileSync(
    planted,
    JSON.stringify({
      v: 1,
      kind: "post",
      key: "k",
      server: server.url,
      createdAt: 0,
      ref: "x",
      to: { user: "alice" },
      message: "planted",
      pendingPostId: "p",
    }),
    { mode: 0o600 },
  );
  const { chownSync } = await import("node:fs");
  chownSync(planted, 4242, 4242);
  const warnings: string[] = [];
  const counts = await deliverOutbox(clientWith(outbox), { warn: (m) => warnings.push(m) });
  expect(counts.delivered).toBe(1);
  expect(alice().map((p) => p.message)).toEqual(["mine"]);
  expect(warnings.join("\n")).toContain("refused");
});

test("the outbox's bound: the oldest live edits make room, never a final edit nor a post; past it, the failure is told", async () => {
  const root = mkdtempSync(join(tmpdir(), "mmn-outbox-"));
  const outbox = new Outbox(root, "node1", 4000);
  const client = clientWith(outbox, true);
  const post = await client.send("first", { user: "alice" });
  const long = "x".repeat(700);
  await client.edit(post, { message: `final ${long}` }, { final: true });
  const other = await client.send("second", { user: "alice" });
  await client.edit(other, { message: `live ${long}` });
  const third = await client.send("third", { user: "alice" });
  // No room for this edit without dropping the live one of "second": it goes, the final one stays.
  await client.edit(third, { message: `live ${long}${long}` });
  const kept = await Promise.all(
    readdirSync(outbox.dir())
      .filter((n) => n.endsWith(".json"))
      .sort()
      .map((n) => Bun.file(join(outbox.dir(), n)).json()),
  );
  const messages = kept.map((e: { message: string }) => e.message.slice(0, 5));
  expect(messages).toEqual(["first", "final", "secon", "third", "live "]);
  expect(kept.at(-1).message.length).toBe(1405);
  // An entry that cannot fit even then is not kept: the network's failure is the caller's.
  await expect(client.send("y".repeat(4000), { user: "alice" })).rejects.toThrow("delivery=outbox");
});

test("a post made by the server whose answer was lost, its pending_post_id since forgotten: looked up, not sent twice", async () => {
  const outbox = newOutbox();
  await clientWith(outbox, true).send("made once", { user: "alice" });
  // The server makes the post after the deliverer gave up waiting for its answer.
  server.fault({ kind: "delay", ms: 900, method: "POST", path: "/api/v4/posts", times: 1 });
  const first = await deliverOutbox(clientWith(outbox, false, 0));
  expect(first).toMatchObject({ delivered: 0, left: 1 });
  while (alice().length < 1) await Bun.sleep(20);
  server.forgetPendingPosts();
  expect(await deliverOutbox(clientWith(outbox))).toMatchObject({ delivered: 1, left: 0 });
  expect(alice().map((p) => p.message)).toEqual(["made once"]);
  expect(server.requests.filter((q) => q.method === "GET" && q.path.endsWith("/posts")).length).toBe(1);
});

test("a deliverer killed with an entry claimed: the next one on its host takes it back, and finds the post it made", async () => {
  const outbox = newOutbox();
  await clientWith(outbox, true).send("claimed by the dead", { user: "alice" });
  const [listed] = await outbox.list([outbox.host]);
  const dead = Bun.spawnSync(["true"]).pid;
  const claimed = join(outbox.dir(), "claimed", `${listed!.name}~${outbox.host}@${dead}`);
  renameSync(join(outbox.dir(), listed!.name), claimed);
  // What it sent before it died: the post, with the entry's key.
  const entry = await Bun.file(claimed).json();
  await clientWith(newOutbox()).send(entry.message, { user: "alice" }, { props: { mmn_outbox: entry.key } });
  expect(await deliverOutbox(clientWith(outbox))).toMatchObject({ delivered: 1, left: 0 });
  expect(alice().map((p) => p.message)).toEqual(["claimed by the dead"]);
});

test("a claim held past its lease (a node that died) is taken back by a deliverer on any host", async () => {
  const outbox = newOutbox();
  await clientWith(outbox, true).send("claimed on a dead node", { user: "alice" });
  const [listed] = await outbox.list([outbox.host]);
  const claimed = join(outbox.dir(), "claimed", `${listed!.name}~othernode@4242`);
  renameSync(join(outbox.dir(), listed!.name), claimed);
  expect(await deliverOutbox(clientWith(outbox))).toMatchObject({ delivered: 0 });
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(claimed, hourAgo, hourAgo);
  expect(await deliverOutbox(clientWith(outbox))).toMatchObject({ delivered: 1, left: 0 });
  expect(alice().map((p) => p.message)).toEqual(["claimed on a dead node"]);
});

test("an older entry of a post claimed by another deliverer between this one's look at the claims and its list: the younger waits, the order kept", async () => {
  const outbox = newOutbox();
  const offline = clientWith(outbox, true);
  const post = await offline.send("the post", { user: "alice" }, { id: "raced" });
  for (const n of [1, 2]) await offline.reply(`reply ${n}`, { to: "raced" });
  await deliverOutbox(clientWith(outbox), { limit: 1 });
  expect(alice().map((p) => p.message)).toEqual(["the post"]);
  // Another deliverer claims reply 1 after this one looked at the claims and before it lists the entries.
  const dir = outbox.dir();
  let raced = false;
  const racing = new (class extends Outbox {
    override async list(hosts: readonly string[]) {
      const [older] = await super.list(hosts);
      if (older && !raced && (raced = true))
        renameSync(join(dir, older.name), join(dir, "claimed", `${older.name}~login2@1`));
      return super.list(hosts);
    }
  })(outbox.root, outbox.host);
  const counts = await deliverOutbox(clientWith(racing), { limit: 1 });
  expect(counts.delivered).toBe(0);
  expect(alice().map((p) => p.message)).toEqual(["the post"]);
  expect(isQueued(post)).toBe(true);
});
