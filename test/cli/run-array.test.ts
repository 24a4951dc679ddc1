/**
 * The tasks of a job array share one board: as many tasks as a cluster starts at once, on
 * nodes sharing $HOME (here: processes sharing a HOME), with the scheduler's environment.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { MMN, mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const slurm = (task: number, count: number) => ({
  SLURM_JOB_ID: String(5000 + task),
  SLURM_JOB_NAME: "sweep",
  SLURM_ARRAY_JOB_ID: "5000",
  SLURM_ARRAY_TASK_ID: String(task),
  SLURM_ARRAY_TASK_COUNT: String(count),
  MMN_TEST_INTERVAL_MS: "200",
  MMN_TEST_ARRAY_GATHER_MS: "300",
});

/** Tasks started `width` at a time, as a scheduler fills free cores. */
async function runArray(count: number, script: (task: number) => string, width = 8, extra: string[] = []) {
  const results: Array<{ code: number; stderr: string }> = [];
  for (let first = 1; first <= count; first += width) {
    const batch = Array.from({ length: Math.min(width, count - first + 1) }, (_, i) => first + i);
    results.push(
      ...(await Promise.all(
        batch.map((task) => mmn(box, ["run", ...extra, "--", "sh", "-c", script(task)], { env: slurm(task, count) })),
      )),
    );
  }
  return results;
}

const roots = () => alicePosts(server).filter((p) => !p.root_id);
const replies = (root: Post) => alicePosts(server).filter((p) => p.root_id === root.id);
const color = (post: Post) => (post.props.attachments as Array<{ color: string }>)[0]!.color;

describe("a job array reports on one board", () => {
  test("24 tasks, 3 failing: one board that ends red and names them, each failure's log once, on its own reply or on the one that says the array is done", async () => {
    const results = await runArray(24, (task) =>
      task % 8 === 0 ? `echo "task ${task} broke"; exit 3` : `echo "task ${task}"`,
    );
    expect(results.map((r) => r.code)).toEqual(Array.from({ length: 24 }, (_, i) => ((i + 1) % 8 === 0 ? 3 : 0)));
    expect(results.every((r) => !r.stderr.includes("warning"))).toBe(true);
    const [board, ...others] = roots();
    expect(others).toEqual([]);
    expect(board!.message).toBe(
      "❌ **sweep** (array 5000): 3 of 24 tasks failed (8: failed with exit code 3; 16: failed with exit code 3; 24: failed with exit code 3)",
    );
    expect(color(board!)).toBe("danger");
    const thread = replies(board!);
    const [done, ...more] = thread.filter((p) => p.message.startsWith("❌ **sweep**"));
    expect(done).toBeDefined();
    expect(more).toEqual([]);
    // Each failure's log is attached once: on a reply of its own, or, for a task that failed as
    // the array ended (24, or any of its batch that ended with it), on the reply that it is done.
    const logs = thread.flatMap((p) => (p.file_ids ?? []).map((id) => server.files.get(id)!.content.toString()));
    expect(logs.sort()).toEqual(["task 16 broke\n", "task 24 broke\n", "task 8 broke\n"]);
    const failures = thread.filter((p) => p.message.includes("❌ task"));
    for (const failure of failures) {
      const task = /task (\d+)/.exec(failure.message)![1];
      expect(failure.message.replace(/ on \S+$/, "")).toBe(`❌ task ${task} of sweep failed with exit code 3`);
      expect(server.files.get(failure.file_ids![0]!)!.content.toString()).toBe(`task ${task} broke\n`);
    }
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(thread).toHaveLength(failures.length + 1);
    // The server's load does not grow with the tasks: a handful of requests each, at most.
    const posts = server.requests.filter((q) => q.method === "POST" && q.path === "/api/v4/posts");
    expect(posts).toHaveLength(thread.length + 1);
    expect(server.requests.length / 24).toBeLessThan(5);
  }, 60_000);

  test("all succeed: green, one notifying reply for the whole array; --array each keeps a message per task", async () => {
    await runArray(6, (task) => `echo ${task}`, 6);
    const [board] = roots();
    expect(roots()).toHaveLength(1);
    expect(board!.message).toBe("✅ **sweep** (array 5000): all 6 tasks succeeded");
    expect(color(board!)).toBe("good");
    expect(replies(board!).map((p) => p.message)).toEqual(["✅ **sweep** (array 5000): all 6 tasks succeeded"]);

    server.reset();
    await runArray(3, (task) => `echo ${task}`, 3, ["--array", "each"]);
    expect(roots()).toHaveLength(3);
  }, 60_000);

  test("the command can reply in the board's thread: MMN_RUN_ID names it", async () => {
    const r = await mmn(box, ["run", "--", "sh", "-c", 'echo "$MMN_RUN_ID"'], { env: slurm(1, 1) });
    expect(r.stdout).toBe("array-slurm-5000\n");
  });

  test("the last task to end applies its own count, whatever the interval", async () => {
    // Three tasks, of which two run (the third was cancelled before it started).
    const env = (task: number) => ({ ...slurm(task, 3), MMN_TEST_INTERVAL_MS: "600000" });
    for (const task of [1, 2]) expect((await mmn(box, ["run", "--", "true"], { env: env(task) })).code).toBe(0);
    const [board] = roots();
    expect(roots()).toHaveLength(1);
    expect(board!.message).toBe("🗂️ **sweep** (array 5000): 0 running, 2 succeeded, 0 failed, 1 waiting of 3 tasks");
    expect(replies(board!)).toEqual([]);
  });

  test("12 tasks ending together within an interval: one edit brings the board up to date, made by the last of them, not one per end", async () => {
    // Twelve of thirteen tasks run (the array is never done: no final board), and no interval passes.
    const count = 12;
    const env = (task: number) => ({ ...slurm(task, count + 1), MMN_TEST_INTERVAL_MS: "600000" });
    const script = "echo ready; while [ ! -e go ]; do sleep 0.01; done";
    const tasks = Array.from({ length: count }, (_, i) => i + 1).map((task) =>
      Bun.spawn([...MMN, "run", "--", "sh", "-c", script], {
        cwd: box.cwd,
        env: { ...box.env, ...env(task) },
        stdout: "pipe",
        stderr: "pipe",
      }),
    );
    await onTheBoard(tasks, count);
    const before = server.requests.length;
    writeFileSync(join(box.cwd, "go"), "");
    expect(await Promise.all(tasks.map((task) => task.exited))).toEqual(Array(count).fill(0));
    for (const task of tasks)
      expect(await new Response(task.stderr).text()).toBe(
        "mmn: reporting on the board of array 5000 (array-slurm-5000)\n",
      );
    const [board, ...others] = roots();
    expect(others).toEqual([]);
    const edits = server.requests.slice(before).filter((q) => q.method === "PUT");
    expect(edits).toHaveLength(1);
    expect(edits[0]!.path).toBe(`/api/v4/posts/${board!.id}/patch`);
    // Once the last task has exited, the board shows every end.
    expect(board!.message).toBe(
      `🗂️ **sweep** (array 5000): 0 running, ${count} succeeded, 0 failed, 1 waiting of 13 tasks`,
    );
    expect(replies(board!)).toEqual([]);
  }, 60_000);

  test("a task still running draws the others' ends at its interval, and nothing while nothing changes; the last to end draws its own at once", async () => {
    const env = (task: number) => ({ ...box.env, ...slurm(task, 5), MMN_TEST_INTERVAL_MS: "300" });
    const long = Bun.spawn([...MMN, "run", "--", "sh", "-c", "echo ready; while [ ! -e go ]; do sleep 0.01; done"], {
      cwd: box.cwd,
      env: env(1),
      stdout: "pipe",
      stderr: "pipe",
    });
    await firstLine(long.stdout);
    const state = join(box.home, ".local/state/mmn/hooks/.arrays/array-slurm-5000");
    await waitFor(() => existsSync(join(state, "board-post.json")), 10_000, "the board");
    for (const task of [2, 3]) expect((await mmn(box, ["run", "--", "true"], { env: env(task) })).code).toBe(0);
    const [board] = roots();
    const now = () => server.postsIn(board!.channel_id).find((p) => p.id === board!.id)!.message;
    const counts = (running: number, succeeded: number) =>
      `🗂️ **sweep** (array 5000): ${running} running, ${succeeded} succeeded, 0 failed, 2 waiting of 5 tasks`;
    await waitFor(() => now() === counts(1, 2), 10_000, "the board with both ends");
    const edits = () => server.requests.filter((q) => q.method === "PUT").length;
    const drawn = edits();
    // Task 1's ticks look at the board again (each takes the interval: `edited` written anew) and leave it.
    const looked = () => {
      const { ino, mtimeMs } = statSync(join(state, "edited"));
      return `${ino}:${mtimeMs}`;
    };
    for (const _ of [1, 2]) {
      const before = looked();
      await waitFor(() => looked() !== before, 10_000, "a tick that looks at the board");
    }
    expect(edits()).toBe(drawn);
    writeFileSync(join(box.cwd, "go"), "");
    expect(await long.exited).toBe(0);
    expect(now()).toBe(counts(0, 3));
    expect(edits()).toBe(drawn + 1);
  }, 60_000);

  test("16 tasks SIGTERMed at once (one scancel): one notifying reply, the board shows every task", async () => {
    const count = 16;
    const tasks = Array.from({ length: count }, (_, i) => i + 1).map((task) =>
      Bun.spawn([...MMN, "run", "--", "sh", "-c", "echo ready; exec sleep 60"], {
        cwd: box.cwd,
        env: { ...box.env, ...slurm(task, count), MMN_TEST_ARRAY_GATHER_MS: "1500", MMN_TEST_SIGNAL_FINISH_MS: "8000" },
        stdout: "pipe",
        stderr: "pipe",
      }),
    );
    // Each command runs, and each task is on the board's state: then the scheduler cancels them all.
    const state = await onTheBoard(tasks, count);
    const before = server.requests.length;
    for (const task of tasks) task.kill("SIGTERM");
    const codes = await Promise.all(tasks.map((task) => task.exited));
    expect(codes).toEqual(Array(count).fill(143));
    for (const task of tasks) expect(await new Response(task.stderr).text()).not.toContain("warning");
    const notifying = server.requests
      .slice(before)
      .filter((q) => q.method === "POST" && q.path === "/api/v4/posts" && q.status === 201);
    expect(notifying).toHaveLength(1);
    const [board, ...others] = roots();
    expect(others).toEqual([]);
    expect(board!.message).toStartWith(`❌ **sweep** (array 5000): ${count} of ${count} tasks failed (`);
    const fields = (board!.props.attachments as Array<{ fields: Array<{ title: string; value: string }> }>)[0]!.fields;
    expect(fields.find((f) => f.title === "Failed")!.value).toBe(String(count));
    expect(fields.find((f) => f.title === "Running")!.value).toBe("0");
    const [reply, ...more] = replies(board!);
    expect(more).toEqual([]);
    expect(reply!.message).toBe(`${board!.message}\n_(6 more files not attached)_`);
    expect(reply!.file_ids).toHaveLength(10);
    // What the tasks kept beside the hooks is gone: the array's `done` mark stays.
    expect(readdirSync(state)).toEqual(["done"]);
  }, 60_000);
});

/** Every task's command has started, every task is in the array's state (its directory), and the board is posted. */
async function onTheBoard(tasks: { stdout: ReadableStream<Uint8Array> }[], count: number): Promise<string> {
  await Promise.all(tasks.map((task) => firstLine(task.stdout)));
  const state = join(box.home, ".local/state/mmn/hooks/.arrays/array-slurm-5000");
  while (readdirSync(state).filter((name) => name.endsWith(".task")).length < count) await Bun.sleep(20);
  while (roots().length === 0) await Bun.sleep(20);
  return state;
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text;
}
