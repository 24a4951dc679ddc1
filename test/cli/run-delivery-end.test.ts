import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "../../src/client/client.ts";
import { deliverOutbox, Outbox } from "../../src/outbox/index.ts";
import { mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

// How the final reply gets through when the server is slow, down or rate-limiting at the end (the
// rest of run-delivery.test.ts, apart so that neither file sets the suite's critical path).

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const dmPosts = () => alicePosts(server);
/** Live edits every 100 ms: below the 1 s a user may ask for, so that a test need not run for seconds. */
const fast = { MMN_TEST_INTERVAL_MS: "100" };

describe("the end is retried within its few seconds", () => {
  test("the server briefly down at the end (503s): the outcome still arrives", async () => {
    server.fault({ kind: "status", status: 503, method: "POST", path: "/api/v4/posts", times: 4 });
    const started = Date.now();
    const r = await mmn(box, ["run", "--on", "failure", "--", "bash", "-c", "echo broke; exit 2"], {
      env: { MMN_TEST_RETRY_BACKOFF_MS: "20" },
    });
    expect(r.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.stderr).not.toContain("not delivered");
    const [status, reply] = dmPosts();
    expect(status!.message).toStartWith("❌ **`bash -c 'echo broke; exit 2'`** failed with exit code 2");
    expect(reply!.root_id).toBe(status!.id);
    expect(server.files.get(reply!.file_ids![0]!)!.content.toString()).toBe("broke\n");
  });

  test("a reply the server makes but answers after the deadline: kept in the outbox, and its delivery makes no second reply", async () => {
    // The status post at once; the reply made by the server only after mmn has given up.
    server.fault({ kind: "delay", ms: 0, method: "POST", path: "/api/v4/posts", times: 1 });
    server.fault({ kind: "delay", ms: 2600, method: "POST", path: "/api/v4/posts", times: 1 });
    // An end of 2 s keeps 400 ms of it to write the outbox (a loaded CI machine took over 80; at 1 s,
    // with 200 ms kept, a load of 18 found the reply still on its way at the end, not kept).
    const r = await mmn(box, ["run", "--no-logs", "--", "bash", "-c", "echo done; exit 4"], {
      env: { MMN_TEST_FINISH_MS: "2000" },
    });
    expect(r.code).toBe(4);
    const ours = r.stderr.split("\n").filter((l) => l.startsWith("mmn: ") && !l.includes("reporting as"));
    expect(ours).toEqual(["mmn: queued: mmn relay on a node that reaches the server will deliver it"]);
    await waitFor(() => dmPosts().length === 2, 5000, "the reply");
    expect(dmPosts()[1]!.message).toContain("failed with exit code 4");
    // Sent again with its pending_post_id: the server hands back the reply it made.
    const root = join(box.home, ".local/state/mmn/outbox");
    const [host] = readdirSync(root).filter((name) => name !== "posted");
    const client = new Client({ url: server.url, token: server.token }, { outbox: new Outbox(root, host!) });
    expect(await deliverOutbox(client)).toMatchObject({ left: 0, failed: 0 });
    expect(dmPosts()).toHaveLength(2);
  });

  test("a normal end waits out a rate limit, each Retry-After in full; a failing server only its shorter while", async () => {
    const limit = {
      "Retry-After": "1",
      "X-Ratelimit-Limit": "101",
      "X-Ratelimit-Remaining": "0",
      "X-Ratelimit-Reset": "1",
    };
    // Two waits show each taken in full, and together (2 s) far past the 300 ms a failing server gets.
    server.fault({ kind: "status", status: 429, method: "PUT", times: 2, headers: limit, body: "limit exceeded\n" });
    // A failing server is given up on after 300 ms here (10 s in a real run); the rate limit is not.
    const env = { MMN_TEST_FINISH_UNANSWERED_MS: "300" };
    const r = await mmn(box, ["run", "--no-logs", "--", "bash", "-c", "echo done; exit 4"], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).not.toContain("not delivered");
    const edits = server.requests.filter((q) => q.method === "PUT");
    expect(edits.map((q) => q.status)).toEqual([429, 429, 200]);
    for (let i = 1; i < edits.length; i++) expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    const [status, reply] = dmPosts();
    expect(status!.message).toContain("failed with exit code 4");
    expect(reply!.root_id).toBe(status!.id);

    server.reset();
    server.fault({ kind: "status", status: 503, method: "PUT" });
    const down = await mmn(box, ["run", "--no-logs", "--", "bash", "-c", "exit 4"], { env });
    expect(down.code).toBe(4);
    // The final edit's tries span its 300 ms, not the 4 s (then 60 s) a rate limit gets.
    const tries = server.requests.filter((q) => q.method === "PUT").map((q) => q.at);
    expect(tries.length).toBeGreaterThanOrEqual(1);
    expect(tries.at(-1)! - tries[0]!).toBeLessThan(1500);
  });

  test("array tasks against a rate-limited server: every outcome arrives", async () => {
    // A burst of 12: still dozens of 429s (each a whole second's Retry-After, as the real server rounds
    // it), in half the rounds a burst of 5 needed (8 s).
    const limited = await startTestServer({ rateLimit: { perSecond: 40, burst: 12 } });
    // Array tasks share $HOME, its configuration and its cache of resolved names.
    const home = sandbox(limited, { user: "alice" });
    try {
      const tasks = Array.from({ length: 10 }, (_, i) => i + 1);
      const results = await Promise.all(
        tasks.map((i) =>
          mmn(home, ["run", "--on", "failure", "--id", `arr-${i}`, "--", "bash", "-c", `echo task ${i}; exit 1`]),
        ),
      );
      expect(results.map((r) => r.code)).toEqual(tasks.map(() => 1));
      expect(results.map((r) => r.stderr).filter((e) => /not delivered|gave up/.test(e))).toEqual([]);
      expect(limited.requests.some((q) => q.status === 429)).toBe(true);
      const posts = limited.postsIn(limited.dmChannelWith(limited.users.alice.id)!.id);
      const replies = posts.filter((p) => p.root_id);
      expect(posts.filter((p) => !p.root_id)).toHaveLength(10);
      expect(replies).toHaveLength(10);
      expect(new Set(replies.map((p) => p.root_id)).size).toBe(10);
    } finally {
      await limited.close();
    }
  });

  test("a slow server: the reply, which notifies, is not held back by the edits", async () => {
    server.fault({ kind: "delay", ms: 2500, method: "PUT" });
    const r = await mmn(box, ["run", "--", "bash", "-c", "echo a; sleep 0.5; echo b"], { env: fast });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("not delivered");
    expect(r.stderr).not.toContain("gave up");
    const [status, reply] = dmPosts();
    expect(reply!.root_id).toBe(status!.id);
    expect(reply!.message).toContain("succeeded");
    const started = server.requests.find((q) => q.method === "POST" && q.path === "/api/v4/posts")!.at;
    expect(reply!.create_at - started).toBeLessThan(2000);
    // The final state has the last word over the live edit that was still on its way.
    expect(status!.message).toStartWith("✅ **`bash -c");
    expect(status!.message).toContain("```\na\nb\n```");
  });
});
