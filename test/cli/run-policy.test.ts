/**
 * --on, the notification policy: which events push (a reply in the run's thread, or a post of
 * its own); edits of the one message never do. Replies counted per scenario, through the binary.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const roots = () => alicePosts(server).filter((p) => !p.root_id);
const replies = (root?: Post) => alicePosts(server).filter((p) => p.root_id && (!root || p.root_id === root.id));
/** The posts made (not edits): each one pushes. */
const made = (since = 0) =>
  server.requests.slice(since).filter((q) => q.method === "POST" && q.path === "/api/v4/posts" && q.status === 201);

describe("--on: the events that push", () => {
  test("the default: one status post, one reply at the end, for a success and for a failure", async () => {
    expect((await mmn(box, ["run", "--", "true"])).code).toBe(0);
    expect(roots()).toHaveLength(1);
    expect(replies().map((p) => p.message)).toEqual([expect.stringMatching(/^✅ /)]);
    server.reset();
    expect((await mmn(box, ["run", "--", "sh", "-c", "exit 3"])).code).toBe(3);
    expect(replies().map((p) => p.message)).toEqual([expect.stringMatching(/^❌ /)]);
  });

  test("begin,end: a reply at the start and one at the end", async () => {
    const r = await mmn(box, ["run", "--on", "begin,end", "--", "true"]);
    expect(r.code).toBe(0);
    const [root] = roots();
    expect(replies(root).map((p) => p.message)).toEqual([
      expect.stringMatching(/^▶️ \*\*`true`\*\* started on \S+$/),
      expect.stringMatching(/^✅ /),
    ]);
    expect(made()).toHaveLength(3);
  });

  test("begin alone: the start replies, the end only edits the status post (no reply)", async () => {
    const r = await mmn(box, ["run", "--on", "begin", "--", "true"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("not delivered");
    const [root, ...others] = roots();
    expect(others).toEqual([]);
    expect(root!.message).toStartWith("✅ **`true`** succeeded");
    expect(replies(root).map((p) => p.message)).toEqual([expect.stringMatching(/^▶️ /)]);
  });

  test("fail (as failure): nothing for a success; a failure is posted with its reply", async () => {
    expect((await mmn(box, ["run", "--on", "fail", "--", "true"])).code).toBe(0);
    expect(server.requests.filter((q) => q.method !== "GET")).toEqual([]);
    expect((await mmn(box, ["run", "--on", "fail", "--", "sh", "-c", "exit 4"])).code).toBe(4);
    expect(roots()).toHaveLength(1);
    expect(replies()).toHaveLength(1);
  });

  test("a mistyped event: refused with the word likely meant, nothing runs, nothing sent", async () => {
    const r = await mmn(box, ["run", "--on", "begin,nevr-runs", "--", "touch", "ran"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--on takes begin, end, fail, requeue, time-limit-50, time-limit-80, time-limit-90, never-runs, array-digest, array-tasks, or always, failure, all, none: not "nevr-runs" (did you mean never-runs?)',
    );
    expect(readdirSync(box.cwd)).not.toContain("ran");
    expect(server.requests.filter((q) => q.method !== "GET")).toEqual([]);
  });

  test("on= in the configuration takes the same words; a flag overrides it", async () => {
    const loud = sandbox(server, { user: "alice", on: "begin+end" });
    expect((await mmn(loud, ["run", "--", "true"])).code).toBe(0);
    expect(replies()).toHaveLength(2);
    server.reset();
    expect((await mmn(loud, ["run", "--on", "end", "--", "true"])).code).toBe(0);
    expect(replies()).toHaveLength(1);
  });

  test("requeue: a requeued job's new start replies; without it, it does not", async () => {
    const env = {
      SLURM_JOB_ID: "79",
      SLURM_JOB_NAME: "sim",
      SLURM_RESTART_COUNT: "1",
      PATH: `/nonexistent:${box.env.PATH}`,
    };
    expect((await mmn(box, ["run", "--on", "requeue,end", "--", "true"], { env })).code).toBe(0);
    expect(replies().map((p) => p.message)).toEqual([
      expect.stringMatching(/^🔁 \*\*sim 79\*\* \(restart 1\S*\) was requeued and starts again on \S+$/),
      expect.stringMatching(/^✅ /),
    ]);
    server.reset();
    expect((await mmn(box, ["run", "--on", "begin,end", "--", "true"], { env })).code).toBe(0);
    expect(replies().map((p) => p.message)).toEqual([
      expect.stringMatching(/^▶️ \*\*sim 79\*\* \(restart 1/),
      expect.stringMatching(/^✅ /),
    ]);
  });

  test("time-limit-50,time-limit-80,end: a warning at each (one already past at the start said once), then the end", async () => {
    const now = Math.floor(Date.now() / 1000);
    // A 12 s limit, 6 s gone: 50 % is past (said a moment after the start), 80 % comes 3.6 s from
    // now (a start slower than that under load would find it past too, and say only it).
    const env = {
      SLURM_JOB_ID: "78",
      SLURM_JOB_NAME: "sweep",
      SLURM_JOB_START_TIME: String(now - 6),
      SLURM_JOB_END_TIME: String(now + 6),
      PATH: `/nonexistent:${box.env.PATH}`,
    };
    const proc = Bun.spawn(
      [...MMN, "run", "--on", "time-limit-50,time-limit-80,end", "--", "bash", "-c", "echo ready; exec sleep 30"],
      { cwd: box.cwd, env: { ...box.env, ...env }, stdout: "pipe", stderr: "pipe" },
    );
    await waitFor(() => replies().length === 2, 15_000, "the two warnings");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(143);
    const messages = replies().map((p) => p.message);
    expect(messages.slice(0, 2)).toEqual([
      expect.stringMatching(/^⏰ \*\*sweep 78\*\* has \ds left of its time limit of 0:00:12/),
      expect.stringMatching(/^⏰ \*\*sweep 78\*\* has \ds left of its time limit of 0:00:12/),
    ]);
    expect(messages).toHaveLength(3);
  });
});

const slurm = (task: number, count: number) => ({
  SLURM_JOB_ID: String(6000 + task),
  SLURM_JOB_NAME: "sweep",
  SLURM_ARRAY_JOB_ID: "6000",
  SLURM_ARRAY_TASK_ID: String(task),
  SLURM_ARRAY_TASK_COUNT: String(count),
  MMN_TEST_INTERVAL_MS: "200",
  // No gathering of ends that come together: what is one push comes from the policy alone.
  MMN_TEST_ARRAY_GATHER_MS: "0",
});

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) return;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
}

/** 16 tasks running, each on the board, then one scancel SIGTERMs them all; the posts made after it. */
async function massCancel(on: string[]) {
  const count = 16;
  const tasks = Array.from({ length: count }, (_, i) => i + 1).map((task) =>
    Bun.spawn([...MMN, "run", ...on, "--", "sh", "-c", "echo ready; exec sleep 60"], {
      cwd: box.cwd,
      env: { ...box.env, ...slurm(task, count), MMN_TEST_SIGNAL_FINISH_MS: "8000" },
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  await Promise.all(tasks.map((task) => firstLine(task.stdout)));
  const state = join(box.home, ".local/state/mmn/hooks/.arrays/array-slurm-6000");
  await waitFor(
    () => roots().length === 1 && readdirSync(state).filter((name) => name.endsWith(".task")).length === count,
    10_000,
    "every task on the board",
  );
  const before = server.requests.length;
  for (const task of tasks) task.kill("SIGTERM");
  expect(await Promise.all(tasks.map((task) => task.exited))).toEqual(Array(count).fill(143));
  return made(before);
}

describe("--on for a job array", () => {
  test("array-digest: a scancel of 16 running tasks is one push, the board's end with every failure", async () => {
    const pushed = await massCancel(["--on", "array-digest"]);
    expect(pushed).toHaveLength(1);
    expect(replies()).toHaveLength(1);
    expect(replies()[0]!.message).toStartWith("❌ **sweep** (array 6000): 16 of 16 tasks failed (");
  }, 60_000);

  test("failures apart in time: a push for each by default, one at the array's end with array-digest", async () => {
    const sweep = async (on: string[]) => {
      for (const task of [1, 2, 3]) {
        const command = task === 3 ? "true" : "exit 4";
        const r = await mmn(box, ["run", ...on, "--", "sh", "-c", command], { env: slurm(task, 3) });
        expect(r.code).toBe(task === 3 ? 0 : 4);
      }
      return replies().map((p) => p.message.replace(/ on \S+$/, ""));
    };
    expect(await sweep([])).toEqual([
      "❌ task 1 of sweep failed with exit code 4",
      "❌ task 2 of sweep failed with exit code 4",
      expect.stringMatching(/^❌ \*\*sweep\*\* \(array 6000\): 2 of 3 tasks failed/),
    ]);
    server.reset();
    // The same array id again: the first sweep's board is forgotten.
    rmSync(join(box.home, ".local/state/mmn/hooks"), { recursive: true, force: true });
    expect(await sweep(["--on", "array-digest"])).toEqual([
      expect.stringMatching(/^❌ \*\*sweep\*\* \(array 6000\): 2 of 3 tasks failed/),
    ]);
  }, 30_000);

  test("array-tasks: one reply per task's end, and none for the whole array", async () => {
    for (const task of [1, 2, 3])
      expect((await mmn(box, ["run", "--on", "array-tasks", "--", "true"], { env: slurm(task, 3) })).code).toBe(0);
    expect(roots()).toHaveLength(1);
    const messages = replies().map((p) => p.message);
    expect(messages).toHaveLength(3);
    for (const m of messages) expect(m).toMatch(/^✅ task \d of sweep succeeded/);
  }, 30_000);
});
