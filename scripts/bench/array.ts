/**
 * A job array of many tasks against the test server, as a cluster fills its cores: each
 * task is `mmn run` with the scheduler's environment, a bounded number at once.
 */
import type { TestServer } from "../../test/server/index.ts";

export interface ArrayFigures {
  tasks: number;
  requestsPerTask: number;
  /** Edits of the board (PUTs), and per minute of the array's life. */
  edits: number;
  editsPerMinute: number;
  /** From the first task's start to the board's final state at the server. */
  seconds: number;
  roots: number;
}

export async function benchArray(
  server: TestServer,
  mmn: string,
  env: Record<string, string>,
  tasks: number,
  width: number,
): Promise<ArrayFigures> {
  server.reset();
  const started = performance.now();
  let next = 1;
  const worker = async () => {
    for (let task = next++; task <= tasks; task = next++) {
      const taskEnv = {
        ...env,
        SLURM_JOB_ID: String(90000 + task),
        SLURM_JOB_NAME: "bench",
        SLURM_ARRAY_JOB_ID: "90000",
        SLURM_ARRAY_TASK_ID: String(task),
        SLURM_ARRAY_TASK_COUNT: String(tasks),
      };
      // Every hundredth task fails: its reply and log are part of the load.
      const script = task % 100 === 0 ? "echo failed; exit 1" : "echo ok";
      await Bun.spawn([mmn, "run", "--interval", "5", "--", "sh", "-c", script], {
        env: taskEnv,
        stdout: "ignore",
        stderr: "ignore",
      }).exited;
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  const seconds = (performance.now() - started) / 1000;
  const edits = server.requests.filter((r) => r.method === "PUT").length;
  // The array's own: another run of the bench may post in the same DM meanwhile.
  const roots = [...server.posts.values()].filter((p) => !p.root_id && p.message.includes("(array 90000)")).length;
  return {
    tasks,
    requestsPerTask: server.requests.length / tasks,
    edits,
    editsPerMinute: edits / (seconds / 60),
    seconds,
    roots,
  };
}
