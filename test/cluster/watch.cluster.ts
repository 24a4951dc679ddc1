// mmn watch on the "login node" (this machine) against the real Slurm: jobs mmn does not wrap,
// followed with one squeue a poll (every 200 ms here), one message each, what the server got.
// One at a time: the node's memory is what "pending behind a long one" is about.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";
import { skipReason, useCluster } from "./cluster.ts";
import { attachedLog, DIST, type JobBox, jobBox } from "./job.ts";
import { withNodeDown } from "./node.ts";
import type { Cluster } from "./slurm.ts";

let cluster: Cluster;
let server: TestServer;
useCluster((c, s) => {
  cluster = c;
  server = s;
});

/** `mmn watch ARGS` as the box's user on the login node; its result once it returns. */
function watch(box: JobBox, args: string[]) {
  const proc = Bun.spawn([join(DIST, "mmn"), "watch", ...args], {
    cwd: box.home,
    env: {
      ...cluster.env,
      HOME: box.home,
      PATH: `${DIST}:${cluster.env.PATH}`,
      NO_COLOR: "1",
      MMN_TEST_WATCH_POLL_MS: "200",
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const result = Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]).then(
    ([code, stdout, stderr]) => ({ code, stdout, stderr }),
  );
  return { proc, result };
}

const roots = (box: JobBox) => box.posts().filter((p) => !p.root_id);
const replies = (box: JobBox) => box.posts().filter((p) => p.root_id);
/** A root message of the box's that says `pattern` now (edits included). */
const says = (box: JobBox, pattern: RegExp, what: string, timeoutMs = 60_000) =>
  waitFor(() => roots(box).some((p: Post) => pattern.test(p.message)), timeoutMs, what);

describe.skipIf(skipReason !== undefined)("mmn watch under Slurm", () => {
  test("a job held, then released: the queue wait shown; its StdOut attached to the one push", async () => {
    const box = jobBox(server, cluster, "watchheld");
    const id = await box.submit("echo from the job\n", ["-H"]);
    const w = watch(box, [id]);
    await says(box, new RegExp(`^⏸️ \\*\\*watchheld\\*\\* \\(job ${id}\\) is held \\(JobHeldUser\\)$`), "held");
    await cluster.scontrol(["release", id]);
    const { code, stdout, stderr } = await w.result;
    console.log(`held: ${stdout}${roots(box)[0]!.message}`);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(roots(box)).toHaveLength(1);
    expect(roots(box)[0]!.message).toMatch(
      new RegExp(
        `^✅ \\*\\*watchheld\\*\\* \\(job ${id}\\) COMPLETED, exit code 0 after \\d+s\\nstarted after \\d+s in the queue`,
      ),
    );
    expect(replies(box)).toHaveLength(1);
    expect(attachedLog(server, replies(box)[0]!)).toBe("from the job\n");
  }, 120_000);

  test("a job pending behind a long one, then started when it is scancelled", async () => {
    const box = jobBox(server, cluster, "watchbehind");
    // The partition oversubscribes CPUs (FORCE:16), not memory: the long job holds all of the node's.
    const long = await box.submit("exec sleep 300\n", ["--mem=100000"]);
    await cluster.waitForState(long, ["RUNNING"], 60_000);
    const id = await box.submit("echo second\n", ["--mem=100"]);
    const w = watch(box, [id]);
    await says(
      box,
      new RegExp(`^⏳ \\*\\*watchbehind\\*\\* \\(job ${id}\\) is queued \\((Resources|Priority)\\)$`),
      "queued",
    );
    await cluster.scancel(long);
    const { code, stdout } = await w.result;
    console.log(`behind: ${stdout}`);
    expect(code).toBe(0);
    expect(roots(box)[0]!.message).toMatch(/\nstarted after \d+s in the queue/);
    expect(replies(box)).toHaveLength(1);
  }, 120_000);

  test("an afterok chain whose first step fails: the second says it will never run; exit 4", async () => {
    const box = jobBox(server, cluster, "watchchain");
    const first = await box.submit("exit 3\n", ["-H"]);
    const second = await box.submit("echo never\n", [`--dependency=afterok:${first}`, "--kill-on-invalid-dep=no"]);
    const w = watch(box, [first, second]);
    await says(box, new RegExp(`\\(job ${second}\\) is queued \\(Dependency\\)$`), "the second waiting on the first");
    await cluster.scontrol(["release", first]);
    const { code, stdout } = await w.result;
    console.log(`chain: ${stdout}`);
    expect(code).toBe(4);
    const messages = roots(box).map((p) => p.message);
    expect(messages).toContainEqual(
      expect.stringMatching(
        new RegExp(`^❌ \\*\\*watchchain\\*\\* \\(job ${first}\\) FAILED, exit code 3 after \\d+s`),
      ),
    );
    expect(messages).toContain(
      `⛔ step watchchain (job ${second}) will never run: its dependency failed (Slurm: DependencyNeverSatisfied)`,
    );
    expect(replies(box)).toHaveLength(2);
    await cluster.scancel(second);
  }, 120_000);

  test("scontrol requeue: requeued (no reason here: squeue and scontrol give none, and no slurmdbd), queued again, run again; then suspend and resume", async () => {
    const box = jobBox(server, cluster, "watchrequeue");
    const id = await box.submit("exec sleep 300\n", ["--requeue"]);
    const w = watch(box, [id]);
    await says(box, /is running: started after \d+s in the queue/, "running");
    await cluster.requeue(id);
    await says(
      box,
      new RegExp(`^🔁 \\*\\*watchrequeue\\*\\* \\(job ${id}\\) is queued[\\s\\S]*\\nrequeued once`),
      "requeued",
    );
    await cluster.scontrol(["update", `JobId=${id}`, "StartTime=now"]);
    await says(box, /^▶️ [\s\S]*\nrequeued once/, "running again");
    await cluster.scontrol(["suspend", id]);
    await says(box, /^⏸️ \*\*watchrequeue\*\* \(job \d+\) is suspended/, "suspended");
    await cluster.scontrol(["resume", id]);
    await says(box, /^▶️ [\s\S]*\nsuspended for \d+s, then resumed/, "resumed");
    await cluster.scancel(id);
    const { code, stdout } = await w.result;
    console.log(`requeue: ${stdout}${roots(box)[0]!.message}`);
    expect(code).toBe(4);
    expect(roots(box)).toHaveLength(1);
    expect(roots(box)[0]!.message).toMatch(new RegExp(`^🛑 \\*\\*watchrequeue\\*\\* \\(job ${id}\\) CANCELLED`));
    expect(roots(box)[0]!.message).toMatch(/\nrequeued once( \(.+\))?\nsuspended for \d+s, then resumed/);
    // Queued, started, requeued, suspended, resumed: edits; the end alone pushed.
    expect(replies(box)).toHaveLength(1);
  }, 120_000);

  test("an array of 20 with a throttle (%4), scancelled as a whole: one board, one push", async () => {
    const box = jobBox(server, cluster, "watcharray");
    const id = await box.submit("exec sleep 300\n", ["--array=0-19%4"]);
    const w = watch(box, [id]);
    await says(
      box,
      new RegExp(
        `^🗂️ \\*\\*watcharray\\*\\* \\(array ${id}\\): 4 running, 0 succeeded, 0 failed, 16 waiting of 20 tasks$`,
      ),
      "the board",
    );
    const scancelAt = Date.now();
    await cluster.scancel(id);
    const { code, stdout } = await w.result;
    console.log(`array: ${stdout}${roots(box)[0]!.message} (${Date.now() - scancelAt} ms after the scancel)`);
    expect(code).toBe(4);
    expect(roots(box)).toHaveLength(1);
    expect(roots(box)[0]!.message).toStartWith(
      `❌ **watcharray** (array ${id}): 0 succeeded, 4 failed of 20 tasks; 16 waiting tasks were cancelled`,
    );
    expect(replies(box)).toHaveLength(1);
  }, 120_000);

  test("the node set DOWN under a running job: its message ends with Slurm's word, NODE_FAIL, never exit code 0; one push; exit 4", async () => {
    const box = jobBox(server, cluster, "watchnode");
    // Not requeued, as a node failure would do by default: the job ends there.
    const id = await box.submit("exec sleep 300\n", ["--no-requeue"]);
    const w = watch(box, [id]);
    await withNodeDown(cluster, async (down) => {
      await says(box, /is running: started after \d+s in the queue/, "running");
      const downAt = Date.now();
      await down();
      const { code, stdout, stderr } = await w.result;
      const returnedMs = Date.now() - downAt;
      const [record] = await cluster.jobs(id);
      console.log(
        `node down: returned ${returnedMs} ms after the DOWN\n${stdout}${roots(box)[0]!.message}\n${record!.raw}`,
      );
      expect(record!.state).toBe("NODE_FAIL");
      // Both seen here from one run to the next: the batch step killed by SIGTERM recorded (0:15), or not (0:0).
      expect(record!.raw).toMatch(/ ExitCode=0:(15|0) /);
      expect(stderr).toBe("");
      expect(code).toBe(4);
    });
    const said = new RegExp(`^❌ \\*\\*watchnode\\*\\* \\(job ${id}\\) NODE_FAIL(, killed by SIGTERM)? after \\d+s\\b`);
    expect(roots(box)).toHaveLength(1);
    expect(roots(box)[0]!.message).toMatch(said);
    expect(roots(box)[0]!.message).toMatch(/\nstarted after \d+s in the queue$/);
    expect(replies(box)).toHaveLength(1);
    expect(replies(box)[0]!.message).toMatch(said);
  }, 120_000);
});
