/**
 * The tasks of a job array share one board: as many tasks as a cluster starts at once, on
 * nodes sharing $HOME (here: processes sharing a HOME), with the scheduler's environment.
 */
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
});

const slurm = (task: number, count: number) => ({
  SLURM_JOB_ID: String(5000 + task),
  SLURM_JOB_NAME: "sweep",
  SLURM_ARRAY_JOB_ID: "5000",
  SLURM_ARRAY_TASK_ID: String(task),
  SLURM_ARRAY_TASK_COUNT: String(count),
  MMN_TEST_INTERVAL_MS: "200",
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
  test("24 tasks, 3 failing: one board that ends red and names them, a reply with the log per failure, one when the array is done", async () => {
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
    const failures = thread.filter((p) => p.message.includes("❌ task"));
    expect(failures.map((p) => p.message.replace(/ on \S+$/, "")).sort()).toEqual([
      "❌ task 16 of sweep failed with exit code 3",
      "❌ task 24 of sweep failed with exit code 3",
      "❌ task 8 of sweep failed with exit code 3",
    ]);
    for (const failure of failures) {
      const task = /task (\d+)/.exec(failure.message)![1];
      expect(server.files.get(failure.file_ids![0]!)!.content.toString()).toBe(`task ${task} broke\n`);
    }
    expect(thread.filter((p) => p.message.startsWith("❌ **sweep**"))).toHaveLength(1);
    expect(thread).toHaveLength(4);
    // The server's load does not grow with the tasks: a handful of requests each, at most.
    const posts = server.requests.filter((q) => q.method === "POST" && q.path === "/api/v4/posts");
    expect(posts).toHaveLength(5);
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
});
