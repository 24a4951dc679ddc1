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
 * An array reports on one board: every eighth task fails, the board ends red and names them,
 * each failure's log is attached to a notifying reply (failures that end together share one),
 * and one reply says the array is done.
 */
function expectArrayReported(box: JobBox, arrayId: string): void {
  const threads = box.threads();
  expect(threads).toHaveLength(1);
  const [{ status: board, replies }] = threads as [ReturnType<JobBox["threads"]>[number]];
  const failed = Array.from({ length: ARRAY_SIZE }, (_, i) => i + 1).filter((task) => task % 8 === 0);
  const named = failed.map((task) => `${task}: failed with exit code 3`).join("; ");
  expect(board.message).toBe(
    `❌ **array** (array ${arrayId}): ${failed.length} of ${ARRAY_SIZE} tasks failed (${named})`,
  );
  // Every reply tells failures (alone, together, or with the array's end): no more than one each, and one end.
  expect(replies.every((reply) => reply.message.startsWith("❌"))).toBe(true);
  expect(replies.length).toBeLessThanOrEqual(failed.length + 1);
  expect(replies.filter((reply) => reply.message.startsWith("❌ **array**"))).toHaveLength(1);
  const logs = replies.flatMap((reply) => (reply.file_ids ?? []).map((id) => server.files.get(id)?.content.toString()));
  expect(logs.sort()).toEqual(failed.map((task) => `task ${task}\n`).sort());
}

describe.skipIf(skipReason !== undefined)("under Slurm", () => {
  test.concurrent("a plain job: start, final state and a reply with the log; what it used against what it asked", async () => {
    const box = jobBox(server, cluster, "plain");
    // Long enough to be seen once: the peak of a command gone before mmn looks is not known, and not shown.
    const id = await box.submit("mmn run --id \"hello-$SLURM_JOB_ID\" -- bash -c 'echo hi; sleep 0.5'\n", [
      "--mem=2G",
      "-c2",
    ]);
    const [record] = await cluster.waitForState(id, ["COMPLETED"], 60_000);
    expect(record!.exitCode).toBe("0:0");
    await waitFor(() => finished(box), 10_000, "the final message");

    const [{ status, replies }] = box.threads() as [ReturnType<JobBox["threads"]>[number]];
    expect(status.message).toStartWith(`✅ **plain ${id}** succeeded on `);
    expect(cardField(status, "Slurm job")).toBe(`${id} (plain)`);
    expect(cardField(status, "Partition")).toBe("mmn");
    console.log(
      `plain job: ${["Duration", "CPU", "Memory", "Advice"].map((f) => `${f}: ${cardField(status, f)}`).join("; ")}`,
    );
    expect(cardField(status, "CPU")).toMatch(/^[\d.]+s, \d+ % of 2 cores$/);
    // The command's own peak, bash's: not the copy of mmn its child was before the exec, nor mmn in the job's cgroup.
    const [, peak, unit] = /^peak ([\d.]+) (KiB|MiB) of 2 GiB asked$/.exec(cardField(status, "Memory") ?? "") ?? [];
    expect(unit === "KiB" || Number(peak) < 10).toBe(true);
    expect(cardField(status, "Advice")).toMatch(/^asked 2 GiB, peak [\d.]+ [KM]iB: --mem=\d+00M would do$/);
    // No time limit: the elapsed time alone.
    expect(cardField(status, "Duration")).toMatch(/^\ds$/);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.message).toStartWith(`✅ **plain ${id}** succeeded`);
    expect(attachedLog(server, replies[0]!)).toBe("hi\n");
    expect(box.output(id)).toContain(`mmn: reporting as "hello-${id}"`);
    expect(box.output(id)).toEndWith("\nhi\n");
  }, 90_000);

  test.concurrent(`an array of ${ARRAY_SIZE} tasks: one board for all of them`, async () => {
    const box = jobBox(server, cluster, "array");
    const script =
      "exec mmn run -- sh -c 'echo \"task $SLURM_ARRAY_TASK_ID\"; [ $((SLURM_ARRAY_TASK_ID % 8)) -ne 0 ] || exit 3'\n";
    const id = await box.submit(script, [`--array=1-${ARRAY_SIZE}`]);
    const records = await cluster.waitForState(id, ["COMPLETED", "FAILED"], 120_000);
    expect(records).toHaveLength(ARRAY_SIZE);
    for (let task = 1; task <= ARRAY_SIZE; task++) expect(box.output(`${id}_${task}`)).toEndWith(`\ntask ${task}\n`);
    await waitFor(
      () => box.threads()[0]?.replies.some((reply) => reply.message.startsWith("❌ **array**")) === true,
      20_000,
      "the array's last reply",
    );
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
