// proctrack/linuxproc, where Slurm signals every process of the job itself: the command may die
// of Slurm's SIGTERM before mmn hears its own, and slurmctld may not yet say why when asked.
import { describe, expect, test } from "bun:test";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";
import { skipReason, useCluster } from "./cluster.ts";
import { finished, jobBox } from "./job.ts";
import type { Cluster } from "./slurm.ts";

let cluster: Cluster;
let server: TestServer;
useCluster((c, s) => {
  cluster = c;
  server = s;
}, "linuxproc");

/** Half of them read "killed by SIGTERM" before mmn asked when its command died, and asked again. */
const JOBS = 6;

describe.skipIf(skipReason !== undefined)("under Slurm with proctrack/linuxproc", () => {
  test(`${JOBS} plain scancels of \`exec mmn run -- sleep\`: each one "was cancelled"`, async () => {
    const boxes = Array.from({ length: JOBS }, (_, i) => jobBox(server, cluster, `bravo${i}`));
    const ids = await Promise.all(
      boxes.map((box) => box.submit("exec mmn --verbose run -- bash -c 'echo working; exec sleep 600'\n")),
    );
    for (const [i, id] of ids.entries()) {
      await cluster.waitForState(id, ["RUNNING"], 60_000);
      await waitFor(
        () => boxes[i]!.threads().length === 1 && boxes[i]!.output(id).includes("working\n"),
        30_000,
        "start",
      );
    }
    await Promise.all(ids.map((id) => cluster.scancel(id)));
    await Promise.all(ids.map((id) => cluster.waitForState(id, ["CANCELLED"], 30_000)));
    const said = boxes.map((box, i) => {
      const reply = () => box.threads()[0]?.replies[0]?.message ?? "";
      return waitFor(() => finished(box), 5_000, "the final message").then(() => `${ids[i]}: ${reply()}`);
    });
    const messages = await Promise.all(said);
    console.log(`linuxproc scancel:\n${messages.join("\n")}`);
    for (const [i, message] of messages.entries())
      expect(message).toMatch(
        new RegExp(`^${ids[i]}: 🛑 \\*\\*bravo${i} ${ids[i]}\\*\\* was cancelled \\(scancel(?:, or preempted)?\\) on `),
      );
  }, 120_000);

  test("mmn run without exec: no warning (Slurm signals every process), and scancelled it tells its own end", async () => {
    const box = jobBox(server, cluster, "linuxwrap");
    const id = await box.submit("mmn run -- bash -c 'echo working; exec sleep 600'\n");
    await cluster.waitForState(id, ["RUNNING"], 60_000);
    await waitFor(() => box.threads().length === 1 && box.output(id).includes("working\n"), 30_000, "start");
    expect(box.output(id)).not.toContain("main process");
    await cluster.scancel(id);
    await cluster.waitForState(id, ["CANCELLED"], 30_000);
    await waitFor(() => finished(box), 10_000, "the final message");
    const [thread] = box.threads();
    console.log(`linuxproc, no exec: ${thread!.replies[0]!.message}`);
    expect(thread!.status.message).toMatch(new RegExp(`^🛑 \\*\\*linuxwrap ${id}\\*\\* was `));
    expect(JSON.stringify(thread!.status.props)).not.toContain("main process");
  }, 120_000);
});
