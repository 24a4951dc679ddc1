import { describe, expect, test } from "bun:test";
import { mkdirSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

// A server that misbehaves for a moment during the run (a 401, a proxy's page, a 404 on one
// edit): the run goes on reporting, and the end is always attempted and tells what did not arrive.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const fast = { MMN_TEST_INTERVAL_MS: "100" };
const roots = () => alicePosts(server).filter((p) => !p.root_id);
const repliesTo = (post: Post) => alicePosts(server).filter((p) => p.root_id === post.id);
const ours = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("mmn: ") && !l.includes("reporting as"));
const edits = () => server.requests.filter((q) => q.method === "PUT");
/** A command that prints, then waits for the test to create `end`, then fails. */
const untilEnd = ["bash", "-c", "echo a; while [ ! -e end ]; do sleep 0.05; done; echo b; exit 3"];

/** Runs until `count` live edits were answered, then lets the command end. */
async function runThrough(count: number): Promise<{ code: number; stderr: string }> {
  const run = mmn(box, ["run", "--", ...untilEnd], { env: fast });
  await waitFor(() => edits().filter((q) => q.status !== 0).length >= count, 10_000, "the edits");
  box.write("end", "");
  return run;
}

function expectReported(stderr: string): Post {
  const [status, ...others] = roots();
  expect(others).toEqual([]);
  expect(status!.message).toStartWith("❌ **`bash -c");
  expect(status!.message).toContain("failed with exit code 3");
  expect(status!.message).toContain("```\na\nb\n```");
  expect(repliesTo(status!).map((p) => p.message.split(" on ")[0])).toEqual([
    expect.stringContaining("failed with exit code 3"),
  ]);
  expect(stderr).not.toContain("not delivered");
  expect(stderr).not.toContain("may still say");
  return status!;
}

describe("a bad answer during the run does not silence it", () => {
  test("a token refused for a few edits (401): one warning, then the edits, the outcome and the reply go", async () => {
    server.fault({ kind: "status", status: 401, method: "PUT", times: 3 });
    const r = await runThrough(4);
    expect(r.code).toBe(3);
    expectReported(r.stderr);
    expect(ours(r.stderr)).toEqual([
      expect.stringMatching(
        /^mmn: cannot update the status message: the server rejected the token: .*\(HTTP 401\) \(.*\); the command goes on, mmn keeps trying$/,
      ),
    ]);
    // Live edits went on after the refusals.
    expect(edits().filter((q) => q.status === 200).length).toBeGreaterThanOrEqual(1);
  });

  test("a proxy's HTML page with status 200 for one edit: the next edit and the end go through", async () => {
    server.fault({
      kind: "status",
      status: 200,
      method: "PUT",
      body: "<html><body><h1>Please log in</h1></body></html>",
      headers: { "Content-Type": "text/html; charset=utf-8" },
      times: 1,
    });
    const r = await runThrough(2);
    expect(r.code).toBe(3);
    expectReported(r.stderr);
    expect(ours(r.stderr)).toEqual([
      expect.stringMatching(/^mmn: cannot update the status message: unexpected reply from the server \(HTTP 200\)/),
    ]);
  });

  test("a 404 on one edit while the post is there: checked, and the run stays in its one status message", async () => {
    server.fault({ kind: "status", status: 404, method: "PUT", times: 1 });
    const r = await runThrough(1);
    expect(r.code).toBe(3);
    const status = expectReported(r.stderr);
    expect(r.stderr).not.toContain("gone");
    expect(server.requests.some((q) => q.method === "GET" && q.path === `/api/v4/posts/${status.id}`)).toBe(true);
  });

  test("a 404 on the edit and on the check: a new status message, and the first one gets the outcome too", async () => {
    server.fault({ kind: "status", status: 404, method: "PUT", times: 1 });
    // The post itself, not its reactions (the control panel reads them at each tick).
    server.fault({ kind: "status", status: 404, method: "GET", path: /^\/api\/v4\/posts\/[a-z0-9]+$/, times: 1 });
    const r = await runThrough(1);
    expect(r.code).toBe(3);
    expect(ours(r.stderr)).toEqual(["mmn: the status message is gone (deleted?): the run goes on in a new one"]);
    expect(roots()).toHaveLength(2);
    for (const post of roots()) expect(post.message).toContain("failed with exit code 3");
    expect(r.stderr).not.toContain("not delivered");
  });
});

describe("the end tells in one line what did not arrive", () => {
  test("every edit refused: the reply goes, and the end says the status message may still say running", async () => {
    server.fault({ kind: "status", status: 401, method: "PUT" });
    const r = await runThrough(2);
    expect(r.code).toBe(3);
    const [status] = roots();
    expect(status!.message).toContain("running");
    expect(repliesTo(status!).map((p) => p.message.split(" on ")[0])).toEqual([
      expect.stringContaining("failed with exit code 3"),
    ]);
    const lines = ours(r.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toStartWith("mmn: cannot update the status message: the server rejected the token");
    expect(lines[1]).toMatch(
      /^mmn: the status message may still say "running": the server rejected the token: .*\(HTTP 401\)$/,
    );
  });

  test("the reply refused, the final edit through: said as such, once", async () => {
    const run = mmn(box, ["run", "--", ...untilEnd], { env: fast });
    await waitFor(() => roots().length === 1, 5000, "the status post");
    server.fault({ kind: "status", status: 403, method: "POST", path: "/api/v4/posts" });
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    expect(roots()[0]!.message).toContain("failed with exit code 3");
    expect(repliesTo(roots()[0]!)).toEqual([]);
    expect(ours(r.stderr)).toEqual([
      expect.stringMatching(
        /^mmn: the reply that notifies was not delivered: .*\(HTTP 403\) \(the status message shows the outcome\)$/,
      ),
    ]);
  });
});

describe("files that cannot be uploaded do not cost the reply", () => {
  const files = (post: Post) => post.file_ids ?? [];
  const endIn = { MMN_TEST_FINISH_MS: "1500" };

  test.each([
    ["refused (403)", { kind: "status", status: 403 }, "the server refused the upload (HTTP 403)"],
    ["not implemented (501)", { kind: "status", status: 501 }, "the server failed on the upload (HTTP 501)"],
    ["failing (500)", { kind: "status", status: 500 }, "the server failed on the upload (HTTP 500)"],
    ["reset", { kind: "reset" }, "the upload was cut off"],
  ] as const)("uploads %s: the reply goes without the log, saying so", async (_, fault, why) => {
    server.fault({ ...fault, method: "POST", path: "/api/v4/files" });
    const r = await mmn(box, ["run", "--", "bash", "-c", "echo broke; exit 2"], { env: endIn });
    expect(r.code).toBe(2);
    const [status, ...others] = roots();
    expect(others).toEqual([]);
    expect(status!.message).toContain("failed with exit code 2");
    const [reply, ...more] = repliesTo(status!);
    expect(more).toEqual([]);
    expect(reply!.message).toContain("failed with exit code 2");
    expect(reply!.message).toEndWith(`\n(the log could not be attached: ${why})`);
    expect(files(reply!)).toEqual([]);
    const lines = ours(r.stderr);
    expect(lines).toEqual([expect.stringMatching(/^mmn: the reply went without the log: /)]);
    expect(r.stderr).not.toContain("no answer");
  });

  test("an upload answered with more file ids than files sent: no extra posts, the reply without the file", async () => {
    const fake = (i: number) => ({ id: `fake${String(i).padStart(22, "0")}`, name: `f${i}` });
    server.fault({
      kind: "status",
      status: 201,
      method: "POST",
      path: "/api/v4/files",
      body: { file_infos: Array.from({ length: 11 }, (_, i) => fake(i)), client_ids: [] },
    });
    const r = await mmn(box, ["run", "--", "bash", "-c", "echo broke; exit 2"], { env: endIn });
    expect(r.code).toBe(2);
    const [status] = roots();
    const [reply, ...more] = repliesTo(status!);
    expect(more).toEqual([]);
    expect(reply!.message).toEndWith(
      "\n(the log could not be attached: the server's answer to the upload made no sense (HTTP 201))",
    );
    expect(ours(r.stderr)).toEqual([
      "mmn: the reply went without the log: unexpected reply from the server (HTTP 201): 11 file ids for 1 file sent",
    ]);
  });

  test("the log and --attach refused: the note counts what is missing", async () => {
    server.fault({ kind: "status", status: 403, method: "POST", path: "/api/v4/files" });
    const r = await mmn(
      box,
      ["run", "--attach", "*.txt", "--", "bash", "-c", "echo x > a.txt; echo y > b.txt; echo made; exit 1"],
      {
        env: endIn,
      },
    );
    expect(r.code).toBe(1);
    const [reply] = repliesTo(roots()[0]!);
    expect(reply!.message).toEndWith(
      "\n(the log and 2 other files could not be attached: the server refused the upload (HTTP 403))",
    );
  });
});

describe("--thread whose root cannot be used: the run reports in a message of its own, with a warning", () => {
  const ownPost = (r: { code: number; stderr: string }) => {
    expect(r.code).toBe(0);
    const own = roots().find((p) => p.message.includes("**step**"))!;
    expect(own.message).toStartWith("✅ **step** succeeded");
    expect(repliesTo(own).map((p) => p.message.split(" on ")[0])).toEqual(["✅ **step** succeeded"]);
  };

  test("its root was deleted", async () => {
    expect((await mmn(box, ["run", "--thread", "flow", "--", "true"])).code).toBe(0);
    const root = roots().find((p) => p.message === "🧵 **flow**")!;
    for (const post of [root, ...repliesTo(root)]) server.posts.delete(post.id);
    const r = await mmn(box, ["run", "--thread", "flow", "--title", "step", "--", "true"]);
    ownPost(r);
    expect(ours(r.stderr)).toEqual([
      'mmn: --thread "flow": its first message is gone (deleted?): this run reports in a message of its own',
    ]);
  });

  test("its hook is corrupt", async () => {
    const hook = join(box.home, ".local/state/mmn/hooks/flow.msg");
    mkdirSync(dirname(hook), { recursive: true, mode: 0o700 });
    writeFileSync(hook, "garbage\n", { mode: 0o600 });
    const r = await mmn(box, ["run", "--thread", "flow", "--title", "step", "--", "true"]);
    ownPost(r);
    expect(ours(r.stderr)).toEqual([
      expect.stringMatching(
        /^mmn: --thread "flow": its hook cannot be used \(.*\): this run reports in a message of its own$/,
      ),
    ]);
  });
});

test("an attached file that shrinks during its upload: the reply goes without it, saying so", async () => {
  const large = await startTestServer({ maxFileSize: 100 * 1024 * 1024 });
  const home = sandbox(large, { user: "alice" });
  try {
    // The server takes the upload's headers and nothing more: the file is read as the body goes.
    const held = large.hold("POST", "/api/v4/files", { unread: true });
    const run = mmn(home, [
      "run",
      "--no-logs",
      "--attach",
      "big.bin",
      "--",
      "bash",
      "-c",
      "head -c 33554432 /dev/zero > big.bin; exit 1",
    ]);
    await held.arrived;
    truncateSync(join(home.cwd, "big.bin"), 1024 * 1024);
    held.release();
    const r = await run;
    expect(r.code).toBe(1);
    const posts = large.postsIn(large.dmChannelWith(large.users.alice.id)!.id);
    const [status, reply, ...more] = posts;
    expect(more).toEqual([]);
    expect(reply!.root_id).toBe(status!.id);
    expect(reply!.file_ids ?? []).toEqual([]);
    expect(reply!.message).toEndWith(
      "\n(1 file could not be attached: a file changed or could not be read while it was sent)",
    );
    expect(ours(r.stderr)).toEqual([
      expect.stringMatching(
        /^mmn: the reply went without 1 file: cannot attach .*big\.bin shrank while it was being sent/,
      ),
    ]);
  } finally {
    await large.close();
  }
});

test("a token refused for a moment at the end (401): the reply and the final edit are made again, and arrive", async () => {
  const run = mmn(box, ["run", "--", ...untilEnd], { env: fast });
  await waitFor(() => roots().length === 1, 5000, "the status post");
  server.fault({ kind: "status", status: 401, method: "POST", path: "/api/v4/posts", times: 1 });
  server.fault({ kind: "status", status: 401, method: "PUT", times: 1 });
  box.write("end", "");
  const r = await run;
  expect(r.code).toBe(3);
  expectReported(r.stderr);
  expect(server.requests.filter((q) => q.status === 401)).toHaveLength(2);
});
