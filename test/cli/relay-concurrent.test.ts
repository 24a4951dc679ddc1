import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MMN, type Sandbox } from "../helpers/cli.ts";
import { keepPosts } from "../helpers/kept-posts.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// Two relays over one outbox of 1,000 messages, one SIGKILLed halfway and started again:
// every message reaches the server once, and each post's replies in the order they were kept.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const POSTS = 20;
const REPLIES = 49;

function fillOutbox(): void {
  keepPosts(join(box.home, ".local/state/mmn/outbox"), {
    server: server.url,
    posts: POSTS,
    replies: REPLIES,
    hosts: ["node1", "node2"],
  });
}

const relay = () =>
  Bun.spawn([...MMN, "relay", "--once"], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" });

/** The relay whose claim holds the entry with this message: `host@pid` ends a claim's name. */
function claimerOf(message: string): number {
  const root = join(box.home, ".local/state/mmn/outbox");
  for (const host of ["node1", "node2"])
    for (const name of readdirSync(join(root, host, "claimed")))
      if (JSON.parse(readFileSync(join(root, host, "claimed", name), "utf8")).message === message)
        return Number(name.split("@").at(-1));
  throw new Error(`no claim holds ${JSON.stringify(message)}`);
}

test("two relays over 1,000 kept messages, one SIGKILLed halfway and restarted: each delivered once, in order per post", async () => {
  fillOutbox();
  const total = POSTS * (REPLIES + 1);
  const relays = [relay(), relay()];
  await waitFor(() => alicePosts(server).length >= total / 2, 60_000, "half the messages at the server");
  // The next post is held at the server, its relay SIGKILLed meanwhile: the server makes it after the relay
  // died, and forgets its pending_post_id (as Mattermost does within seconds).
  const held = server.hold("POST", "/api/v4/posts");
  await held.arrived;
  const request = server.requests.findLast((r) => r.method === "POST" && r.path === "/api/v4/posts")!;
  await waitFor(() => request.body !== undefined, 5000, "the held post's body");
  const message = (request.body as { message: string }).message;
  const victim = claimerOf(message);
  const killed = relays.find((r) => r.pid === victim)!;
  killed.kill("SIGKILL");
  await killed.exited;
  const atKill = alicePosts(server).length;
  held.release();
  await waitFor(() => alicePosts(server).some((p) => p.message === message), 5000, "the held post made");
  server.forgetPendingPosts();
  const survivor = relays.find((r) => r !== killed)!;
  const again = relay();
  const [survivorCode, againCode] = await Promise.all([survivor.exited, again.exited]);
  const stderr = await new Response(survivor.stderr).text();
  expect({ survivorCode, againCode, stderr }).toEqual({ survivorCode: 0, againCode: 0, stderr: "" });
  // The restarted relay took back the killed one's claim: a further pass finds nothing to send.
  const last = relay();
  expect(await last.exited).toBe(0);
  expect(await new Response(last.stdout).text()).toBe("");
  console.log(`two relays: one killed with ${atKill} of ${total} at the server, its post held`);

  const posts = alicePosts(server);
  const messages = posts.map((p) => p.message);
  expect(messages.filter((m) => m === message)).toEqual([message]);
  expect(new Set(messages).size).toBe(messages.length);
  expect(messages).toHaveLength(total);
  for (let p = 0; p < POSTS; p++) {
    const root = posts.find((post) => post.message === `post ${p} message 0`)!;
    expect(root.root_id).toBe("");
    const thread = posts.filter((post) => post.root_id === root.id).map((post) => post.message);
    expect(thread).toEqual(Array.from({ length: REPLIES }, (_, i) => `post ${p} message ${i + 1}`));
  }
  const left = ["node1", "node2"].flatMap((host) =>
    readdirSync(join(box.home, ".local/state/mmn/outbox", host)).filter((n) => n !== "claimed" && n !== "files"),
  );
  expect(left).toEqual([]);
}, 120_000);
