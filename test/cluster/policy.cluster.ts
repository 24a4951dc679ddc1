// The notification policy on the real Slurm: an array of 16 running tasks scancelled at once is
// one push under --on array-digest (Slurm's SIGTERM reaches each exec'd mmn within the same second).
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";
import { skipReason, useCluster } from "./cluster.ts";
import { jobBox } from "./job.ts";
import type { Cluster } from "./slurm.ts";

let cluster: Cluster;
let server: TestServer;
useCluster((c, s) => {
  cluster = c;
  server = s;
});

const TASKS = 16;

describe.skipIf(Boolean(skipReason))("--on on a real Slurm", () => {
  test(`array-digest: a scancel of ${TASKS} running tasks is one push`, async () => {
    const box = jobBox(server, cluster, "digest");
    const id = await box.submit("exec mmn run --on array-digest -- sleep 120\n", [`--array=1-${TASKS}`]);
    await cluster.waitForState(id, ["RUNNING"], 60_000);
    const state = join(box.home, `.local/state/mmn/hooks/.arrays/array-slurm-${id}`);
    const tasks = () => {
      try {
        return readdirSync(state).filter((name) => name.endsWith(".task")).length;
      } catch {
        return 0;
      }
    };
    await waitFor(() => tasks() === TASKS && box.threads().length === 1, 30_000, "every task on the board");
    await cluster.scancel(id);
    await cluster.waitForState(id, ["CANCELLED"], 60_000);
    await waitFor(
      () =>
        box.threads()[0]!.status.message.startsWith(`❌ **digest** (array ${id}): ${TASKS} of ${TASKS} tasks failed`),
      30_000,
      "the board's end",
    );
    await waitFor(() => box.threads()[0]!.replies.length > 0, 10_000, "the array's reply");
    const [{ status, replies }] = box.threads() as [ReturnType<typeof box.threads>[number]];
    console.log(`array-digest, scancel of ${TASKS} running tasks: ${replies.length} push(es)`);
    expect(replies.map((p) => p.message)).toEqual([status.message]);
  }, 150_000);
});
