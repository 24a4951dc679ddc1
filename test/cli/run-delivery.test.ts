import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// How the status post and the final reply get through when runs share an id, the hook
// store fails, or the server is slow, down or rate-limiting.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const dmPosts = () => alicePosts(server);
/** Live edits every 100 ms: below the 1 s a user may ask for, so that a test need not run for seconds. */
const fast = { MMN_TEST_INTERVAL_MS: "100" };
const roots = () => dmPosts().filter((p) => !p.root_id);
const repliesTo = (post: Post) => dmPosts().filter((p) => p.root_id === post.id);
const byTitle = (title: string) => roots().find((p) => p.message.includes(`**${title}**`));

describe("two runs with the same --id at the same time", () => {
  test("each edits and replies to its own post; the hook names the last one started", async () => {
    const a = mmn(
      box,
      ["run", "--id", "shared", "--title", "task-a", "--", "bash", "-c", "echo a; sleep 1.2; exit 1"],
      { env: fast },
    );
    while (roots().length < 1) await Bun.sleep(20);
    const b = await mmn(box, ["run", "--id", "shared", "--title", "task-b", "--", "bash", "-c", "echo b; sleep 0.3"], {
      env: fast,
    });
    const ra = await a;
    expect([ra.code, b.code]).toEqual([1, 0]);
    expect(ra.stderr + b.stderr).not.toContain("not delivered");

    expect(roots()).toHaveLength(2);
    const postA = byTitle("task-a")!;
    const postB = byTitle("task-b")!;
    expect(postA.message).toStartWith("❌ **task-a** failed with exit code 1");
    expect(postB.message).toStartWith("✅ **task-b** succeeded");
    expect(repliesTo(postA).map((p) => p.message.split(" on ")[0])).toEqual(["❌ **task-a** failed with exit code 1"]);
    expect(repliesTo(postB).map((p) => p.message.split(" on ")[0])).toEqual(["✅ **task-b** succeeded"]);
    // Every edit went to the post of the run that made it.
    for (const q of server.requests.filter((r) => r.method === "PUT")) {
      const title = (q.body as { message: string }).message.includes("task-a") ? postA : postB;
      expect(q.path).toBe(`/api/v4/posts/${title.id}/patch`);
    }
    expect(readFileSync(join(box.home, ".local/state/mmn/hooks/shared.msg"), "utf8").split("\n")[3]).toBe(postB.id);
  });
});

test("a hook store that cannot be written: one warning, and the run is still reported to the end", async () => {
  box.write("not-a-dir", "");
  const env = { MMN_HOOK_DIR: join(box.cwd, "not-a-dir", "hooks") };
  const r = await mmn(box, ["run", "--id", "nohook", "--", "bash", "-c", "echo a; sleep 0.4; echo b; exit 3"], {
    env: { ...fast, ...env },
  });
  expect(r.code).toBe(3);
  const ours = r.stderr.split("\n").filter((l) => l.startsWith("mmn: ") && !l.includes("reporting as"));
  expect(ours).toEqual([
    `mmn: cannot remember the status message as "nohook" (cannot create the hook directory ${env.MMN_HOOK_DIR}: not a directory): \`mmn update --id nohook\` will not find it; this run goes on reporting`,
  ]);
  const [status, reply] = dmPosts();
  expect(status!.message).toStartWith("❌ **`bash -c");
  expect(status!.message).toContain("failed with exit code 3");
  expect(status!.message).toContain("```\na\nb\n```");
  expect(reply!.root_id).toBe(status!.id);
  expect(reply!.message).toContain("failed with exit code 3");
});

test("a first post answered too late (timeout) but created by the server: sent again as the same post, not a second", async () => {
  server.fault({ kind: "delay", ms: 500, method: "POST", path: "/api/v4/posts", times: 1 });
  const env = { ...fast, MMN_TEST_REQUEST_TIMEOUT_MS: "300" };
  const r = await mmn(box, ["run", "--id", "slow", "--", "bash", "-c", "echo a; sleep 1; echo b"], { env });
  expect(r.code).toBe(0);
  const creates = server.requests.filter(
    (q) => q.method === "POST" && q.path === "/api/v4/posts" && !(q.body as Post).root_id,
  );
  expect(creates.length).toBeGreaterThanOrEqual(2);
  expect(new Set(creates.map((q) => (q.body as Post).pending_post_id)).size).toBe(1);
  expect(roots()).toHaveLength(1);
  expect(roots()[0]!.message).toStartWith("✅ **`bash -c");
  expect(repliesTo(roots()[0]!)).toHaveLength(1);
});

describe("a status post deleted during the run", () => {
  const stage = (name: string) => `while [ ! -e ${name} ]; do sleep 0.05; done`;
  const gone = (stderr: string) => stderr.split("\n").filter((l) => l.includes("gone"));

  test("the live edits go on in a new post, which gets the outcome, the reply and the hook", async () => {
    const run = mmn(
      box,
      ["run", "--id", "deleted", "--", "bash", "-c", `echo a; ${stage("go")}; echo b; ${stage("end")}; echo c; exit 3`],
      { env: fast },
    );
    await waitFor(() => roots().length === 1, 5000, "the status post");
    const first = roots()[0]!;
    server.posts.delete(first.id);
    box.write("go", "");
    await waitFor(() => roots().length === 1 && roots()[0]!.message.includes("\nb\n"), 5000, "a new status post");
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    expect(gone(r.stderr)).toEqual(["mmn: the status message is gone (deleted?): the run goes on in a new one"]);
    expect(r.stderr).not.toContain("not delivered");
    const [status] = roots();
    expect(status!.id).not.toBe(first.id);
    expect(status!.message).toStartWith("❌ **`bash -c");
    expect(status!.message).toContain("```\na\nb\nc\n```");
    expect(repliesTo(status!).map((p) => p.message.split(" on ")[0])).toEqual([
      expect.stringContaining("failed with exit code 3"),
    ]);
    expect(readFileSync(join(box.home, ".local/state/mmn/hooks/deleted.msg"), "utf8").split("\n")[3]).toBe(status!.id);
  });

  test("deleted just before the end: the outcome is posted anew, with the reply under it", async () => {
    const run = mmn(box, ["run", "--", "bash", "-c", `echo a; ${stage("end")}; exit 3`]);
    await waitFor(
      () => server.requests.some((q) => q.method === "POST" && q.path === "/api/v4/posts" && q.status === 201),
      5000,
      "the status post",
    );
    const first = roots()[0]!;
    server.posts.delete(first.id);
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    expect(gone(r.stderr)).toHaveLength(1);
    expect(r.stderr).not.toContain("not delivered");
    const [status, ...others] = roots();
    expect(others).toEqual([]);
    expect(status!.id).not.toBe(first.id);
    expect(status!.message).toContain("failed with exit code 3");
    expect(repliesTo(status!)).toHaveLength(1);
    expect(server.files.get(repliesTo(status!)[0]!.file_ids![0]!)!.content.toString()).toBe("a\n");
  });
});
