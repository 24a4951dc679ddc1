// Batch jobs that run to their end under a real Slurm, each wrapped in the compiled mmn.
import { describe, expect, test } from "bun:test";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";
import { skipReason, useCluster } from "./cluster.ts";
import { attachedLog, cardField, finished, type JobBox, jobBox } from "./job.ts";
import type { Cluster } from "./slurm.ts";

let cluster: Cluster;
let server: TestServer;
useCluster((c, s) => {
  cluster = c;
  server = s;
});

const ARRAY_SIZE = 24;

/**
 * Today an array reports like separate jobs: each task posts its own status message and reply
 * in the DM. The issue that gives an array one board changes this function, and only it.
 */
function expectArrayReported(box: JobBox, arrayId: string): void {
  const threads = box.threads();
  expect(threads).toHaveLength(ARRAY_SIZE);
  const tasks = threads.map((t) => cardField(t.status, "Slurm job")).sort();
  const expected = Array.from({ length: ARRAY_SIZE }, (_, i) => `${arrayId}_${i + 1} (array)`).sort();
  expect(tasks).toEqual(expected);
  for (const { status, replies } of threads) {
    const task = /_(\d+) /.exec(cardField(status, "Slurm job") ?? "")?.[1];
    expect(status.message).toContain("succeeded on ");
    expect(status.message).toContain(`task ${task}`);
    expect(replies).toHaveLength(1);
    expect(attachedLog(server, replies[0]!)).toBe(`task ${task}\n`);
  }
}

describe.skipIf(skipReason !== undefined)("under Slurm", () => {
  test.concurrent("a plain job: start, final state and a reply with the log", async () => {
    const box = jobBox(server, cluster, "plain");
    const id = await box.submit('mmn run --id "hello-$SLURM_JOB_ID" -- echo hi\n');
    const [record] = await cluster.waitForState(id, ["COMPLETED"], 60_000);
    expect(record!.exitCode).toBe("0:0");
    await waitFor(() => finished(box), 10_000, "the final message");

    const [{ status, replies }] = box.threads() as [ReturnType<JobBox["threads"]>[number]];
    expect(status.message).toStartWith("✅ **`echo hi`** succeeded on ");
    expect(cardField(status, "Slurm job")).toBe(`${id} (plain)`);
    expect(cardField(status, "Partition")).toBe("mmn");
    expect(replies).toHaveLength(1);
    expect(replies[0]!.message).toContain("succeeded");
    expect(attachedLog(server, replies[0]!)).toBe("hi\n");
    expect(box.output(id)).toContain(`mmn: reporting as "hello-${id}"`);
    expect(box.output(id)).toEndWith("\nhi\n");
  }, 90_000);

  test.concurrent(`an array of ${ARRAY_SIZE} tasks: every task runs and is reported`, async () => {
    const box = jobBox(server, cluster, "array");
    const id = await box.submit('mmn run -- echo "task $SLURM_ARRAY_TASK_ID"\n', [`--array=1-${ARRAY_SIZE}`]);
    const records = await cluster.waitForState(id, ["COMPLETED"], 120_000);
    expect(records).toHaveLength(ARRAY_SIZE);
    expect(records.every((r) => r.exitCode === "0:0")).toBe(true);
    for (let task = 1; task <= ARRAY_SIZE; task++) expect(box.output(`${id}_${task}`)).toEndWith(`\ntask ${task}\n`);
    await waitFor(() => finished(box, ARRAY_SIZE), 20_000, "every task's final message");
    expectArrayReported(box, id);
  }, 150_000);

  test.concurrent("srun -n2 inside mmn run: one step of two tasks, reported once", async () => {
    const box = jobBox(server, cluster, "srun");
    const id = await box.submit("mmn run -- srun -n2 bash -c 'echo \"task $SLURM_PROCID of $SLURM_NTASKS\"'\n", [
      "-n2",
    ]);
    await cluster.waitForState(id, ["COMPLETED"], 60_000);
    await waitFor(() => finished(box), 10_000, "the final message");

    const threads = box.threads();
    expect(threads).toHaveLength(1);
    const [{ status, replies }] = threads as [ReturnType<JobBox["threads"]>[number]];
    expect(status.message).toContain("succeeded on ");
    expect(replies).toHaveLength(1);
    const log = attachedLog(server, replies[0]!);
    expect(log.split("\n").sort()).toEqual(["", "task 0 of 2", "task 1 of 2"]);
    expect(box.output(id)).toContain("task 0 of 2\n");
    expect(box.output(id)).toContain("task 1 of 2\n");
  }, 90_000);
});
