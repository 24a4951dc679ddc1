// A failure that wakes you: the urgent root post beside the reply, through the binary.
import { describe, expect, test } from "bun:test";
import type { Post } from "@mattermost/types/posts";
import { mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import type { TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
  s.settings.postPriority = "licensed";
});

const env = { MMN_TEST_FINISH_MS: "4000" };
const fail = ["run", "--title", "train", "--", "sh", "-c", "echo boom; exit 4"];
const urgentPosts = () => alicePosts(server).filter((p) => p.metadata?.priority);
const roots = () => alicePosts(server).filter((p) => !p.root_id);
/** What the server was asked to post with a priority, answered or not. */
const asked = () =>
  server.requests
    .filter((r) => r.path === "/api/v4/posts" && (r.body as { metadata?: unknown } | undefined)?.metadata)
    .map((r) => ({ status: r.status, priority: (r.body as { metadata: { priority: unknown } }).metadata.priority }));

describe("mmn run: a failure that wakes you", () => {
  test("a failed run: a new root post, urgent with ack and reminders, linking the run's thread", async () => {
    const r = await mmn(box, fail, { env });
    expect(r.code).toBe(4);
    const [status, urgent] = roots();
    expect(urgent?.message).toMatch(/^🚨 ❌ \*\*train\*\* failed with exit code 4 on /);
    expect(urgent?.message).toContain(`[the job's thread](${server.url}/_redirect/pl/${status?.id})`);
    expect(urgent?.metadata.priority as unknown).toEqual({
      priority: "urgent",
      requested_ack: true,
      persistent_notifications: true,
    });
    // The reply is there as before, in the thread, without a priority.
    const replies = alicePosts(server).filter((p: Post) => p.root_id === status?.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.metadata.priority).toBeUndefined();
  });

  test("a run that succeeds, or --urgent never: no urgent post", async () => {
    expect((await mmn(box, ["run", "--", "true"], { env })).code).toBe(0);
    expect((await mmn(box, ["run", "--urgent", "never", "--", "false"], { env })).code).toBe(1);
    expect(urgentPosts()).toEqual([]);
    expect(asked()).toEqual([]);
  });

  test("without a licence: urgent alone, and --verbose says what the server refused", async () => {
    server.settings.postPriority = "unlicensed";
    const r = await mmn(box, ["--verbose", ...fail], { env });
    expect(r.code).toBe(4);
    expect(asked()).toEqual([
      { status: 501, priority: { priority: "urgent", requested_ack: true, persistent_notifications: true } },
      { status: 201, priority: { priority: "urgent" } },
    ]);
    expect(urgentPosts().map((p) => p.metadata.priority as unknown)).toEqual([{ priority: "urgent" }]);
    expect(r.stderr).toContain("Feature unavailable for current license. (HTTP 501)");
    expect(r.stderr).toContain("the failure is told urgently (urgent priority)");
  });

  test("priority off: nothing more than the reply, as before, and --verbose says why", async () => {
    server.settings.postPriority = "off";
    const quiet = await mmn(box, fail, { env });
    expect(quiet.code).toBe(4);
    expect(quiet.stderr).not.toContain("priority");
    const r = await mmn(box, ["--verbose", ...fail], { env });
    expect(r.code).toBe(4);
    expect(urgentPosts()).toEqual([]);
    expect(asked().every((a) => a.status === 403)).toBe(true);
    expect(r.stderr).toContain("api.post.post_priority.priority_post_not_allowed_for_user.request_error");
    expect(r.stderr).toContain("the server allows no message priority here: the failure is told without");
    // Two runs, each a status post and its reply: the failure was told all the same.
    expect(roots()).toHaveLength(2);
    expect(alicePosts(server).filter((p) => p.root_id)).toHaveLength(2);
  });
});
