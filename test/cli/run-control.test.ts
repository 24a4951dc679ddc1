import { describe, expect, test } from "bun:test";
import type { Post } from "@mattermost/types/posts";
import { mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// Control from the phone (issue 19, item 4): the status post's reactions, read at each tick, act
// on the run when they come from the recipient (or control=): 🛑 stops it as scancel would, 👀
// replies with the tail, 🔕 silences the notifying replies. Through the binary.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const fast = { MMN_TEST_INTERVAL_MS: "50" };
/** A name as the status shows it: inline code, a word joiner after the @ (no mention). */
const named = (name: string) => `\`@\u2060${name}\``;
const roots = () => alicePosts(server).filter((p) => !p.root_id);
const repliesTo = (post: Post) => alicePosts(server).filter((p) => p.root_id === post.id);
const reads = (after = 0) =>
  server.requests.filter(
    (q) => q.method === "GET" && q.path.endsWith("/reactions") && q.status === 200 && q.at > after,
  );
/** Prints a line every 50 ms until the test creates `end`, then fails. */
const looping = ["bash", "-c", "i=0; while [ ! -e end ]; do echo line $((i++)); sleep 0.05; done; exit 3"];

/** Starts a run, waits for its status post, reacts as `userId`, and waits for two reads of the reactions after it. */
async function reactDuring(
  userId: string,
  emoji: string,
  options: { box?: Sandbox; end?: boolean } = {},
): Promise<{ run: Promise<{ code: number; stdout: string; stderr: string }>; status: Post; reactedAt: number }> {
  const run = mmn(options.box ?? box, ["run", "--", ...looping], { env: fast });
  await waitFor(() => roots().length === 1, 10_000, "the status post");
  const status = roots()[0]!;
  const reactedAt = Date.now();
  server.react(userId, status.id, emoji);
  return { run, status, reactedAt };
}

describe("the status post as a control panel", () => {
  test("🛑 from the recipient stops the run as scancel would: SIGTERM, exit 143, the end names who", async () => {
    const { run, status } = await reactDuring(server.users.alice.id, "octagonal_sign");
    const r = await run;
    expect(r.code).toBe(143);
    const final = server.posts.get(status.id)!;
    expect(final.message).toStartWith("🛑");
    expect(final.message).toContain(`was stopped from Mattermost by ${named("alice")} (🛑): killed by SIGTERM`);
    const [reply, ...more] = repliesTo(status);
    expect(more).toEqual([]);
    expect(reply!.message).toContain(`was stopped from Mattermost by ${named("alice")} (🛑)`);
    expect(reads().length).toBeGreaterThanOrEqual(1);
  });

  test("🛑 to a command that ignores SIGTERM: the SIGKILL follows after the grace, as Slurm's KillWait", async () => {
    const deaf = ["bash", "-c", "trap '' TERM; echo deaf; while :; do sleep 0.05; done"];
    const run = mmn(box, ["run", "--", ...deaf], { env: { ...fast, MMN_TEST_STOP_GRACE_MS: "300" } });
    await waitFor(() => roots().length === 1, 10_000, "the status post");
    const status = roots()[0]!;
    server.react(server.users.alice.id, status.id, "octagonal_sign");
    const r = await run;
    expect(r.code).toBe(137);
    expect(server.posts.get(status.id)!.message).toContain(
      `was stopped from Mattermost by ${named("alice")} (🛑): killed by SIGKILL`,
    );
  });

  test("🛑 from another user is ignored: the run goes on and ends on its own", async () => {
    const { run, status, reactedAt } = await reactDuring(server.users.bob.id, "octagonal_sign");
    await waitFor(() => reads(reactedAt).length >= 2, 10_000, "two reads after the reaction");
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    const final = server.posts.get(status.id)!;
    expect(final.message).toContain("failed with exit code 3");
    expect(final.message).not.toContain("Mattermost");
  });

  test("👀 from the recipient gets a reply with the current tail", async () => {
    const { run, status } = await reactDuring(server.users.alice.id, "eyes");
    await waitFor(() => repliesTo(status).length === 1, 10_000, "the tail's reply");
    const [tail] = repliesTo(status);
    expect(tail!.message).toStartWith("⏳");
    expect(tail!.message).toMatch(/```\n(line \d+\n)+```/);
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    expect(repliesTo(status)).toHaveLength(2);
  });

  test("🔕 from the recipient silences the final reply; the status post still tells the end", async () => {
    const { run, status, reactedAt } = await reactDuring(server.users.alice.id, "no_bell");
    await waitFor(() => reads(reactedAt).length >= 2, 10_000, "two reads after the reaction");
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    expect(server.posts.get(status.id)!.message).toContain("failed with exit code 3");
    expect(repliesTo(status)).toEqual([]);
    expect(r.stderr).not.toContain("not delivered");
    // Silenced is silenced: the failure's urgent post (which would notify) is not made either.
    expect(roots()).toHaveLength(1);
    expect(server.requests.filter((q) => (q.body as { metadata?: unknown } | undefined)?.metadata)).toEqual([]);
  });

  test("control=off: the reactions are not even read, and 🛑 does nothing", async () => {
    const off = sandbox(server, { user: "alice", control: "off" });
    const { run, status } = await reactDuring(server.users.alice.id, "octagonal_sign", { box: off });
    // The live edits go on: once several went, a read would have come with them.
    const edits = () => server.requests.filter((q) => q.method === "PUT" && q.status === 200);
    await waitFor(() => edits().length >= 3, 10_000, "live edits");
    off.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    expect(reads()).toEqual([]);
    expect(server.posts.get(status.id)!.message).toContain("failed with exit code 3");
  });

  test("control=@bob: bob's 🛑 stops the run", async () => {
    const listed = sandbox(server, { user: "alice", control: "@bob" });
    const { run, status } = await reactDuring(server.users.bob.id, "octagonal_sign", { box: listed });
    const r = await run;
    expect(r.code).toBe(143);
    expect(server.posts.get(status.id)!.message).toContain(`by ${named("bob")} (🛑)`);
  });
});
