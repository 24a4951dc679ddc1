// Control from the phone under a real Slurm (issue 19, item 4): a 🛑 on a job's status post from
// its recipient stops the job as scancel would; one from another user is ignored.
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
});

describe.skipIf(skipReason !== undefined)("under Slurm", () => {
  test("🛑 from another user is ignored; from the recipient it stops the job: SIGTERM, exit 143, the end names who", async () => {
    const box = jobBox(server, cluster, "phone");
    const id = await box.submit(
      "exec mmn --verbose run --interval 1 -- bash -c 'echo working; while :; do sleep 0.2; done'\n",
    );
    await cluster.waitForState(id, ["RUNNING"], 60_000);
    await waitFor(() => box.threads().length === 1 && box.output(id).includes("working\n"), 30_000, "the job's start");
    const status = box.threads()[0]!.status;
    const reads = (after: number) =>
      server.requests.filter(
        (q) => q.path === `/api/v4/posts/${status.id}/reactions` && q.status === 200 && q.at > after,
      );

    const bobAt = Date.now();
    server.react(server.users.bob.id, status.id, "octagonal_sign");
    await waitFor(() => reads(bobAt).length >= 2, 20_000, "two reads after bob's reaction");
    expect((await cluster.waitForState(id, ["RUNNING"], 5_000))[0]).toBeDefined();

    server.react(box.user.id, status.id, "octagonal_sign");
    await cluster.waitForState(id, ["FAILED"], 60_000);
    await waitFor(() => finished(box), 10_000, "the final message");
    const { status: final, replies } = box.threads()[0]!;
    console.log(`stopped from the phone: ${final.message.split("\n")[0]}`);
    expect(final.message).toMatch(
      /^🛑 \*\*phone \d+\*\* was stopped from Mattermost by `@\u2060phone` \(🛑\): killed by SIGTERM on /,
    );
    expect(replies.at(-1)!.message).toContain("was stopped from Mattermost by `@\u2060phone` (🛑)");
    expect(box.output(id)).toContain("mmn: control: stop asked by @phone");
    expect(box.output(id)).not.toContain("stop asked by @bob");
  }, 120_000);
});
