// A compute node without a route, a server down at a job's end, a node that fails: what mmn
// could not deliver itself reaches the phone through mmn relay on the "login node" (this
// machine, outside the job), within one pass of the relay.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";
import { skipReason, useCluster } from "./cluster.ts";
import { attachedLog, cardField, DIST, type JobBox, jobBox } from "./job.ts";
import { withNodeDown } from "./node.ts";
import type { Cluster } from "./slurm.ts";

let cluster: Cluster;
let server: TestServer;
useCluster((c, s) => {
  cluster = c;
  server = s;
});

const registered = (box: JobBox) => {
  const dir = join(box.home, ".local/state/mmn/hooks/.runs");
  // The runs' files, not a write's temporary file beside one.
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".run")) : [];
};
const relayEnv = (box: JobBox) => ({
  ...cluster.env,
  HOME: box.home,
  PATH: `${DIST}:${cluster.env.PATH}`,
  NO_COLOR: "1",
});

/** `mmn relay --once` as the job's user would run it on a login node. */
async function relayOnce(box: JobBox) {
  const proc = Bun.spawn([join(DIST, "mmn"), "relay", "--once"], {
    cwd: box.home,
    env: relayEnv(box),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

const maybe = skipReason === undefined ? test : test.skip;

maybe(
  "a job on a node without a route (a network namespace): nothing reaches the server from it; mmn relay --poll 1 outside delivers its live progress within an interval and a poll, then its end",
  async () => {
    const box = jobBox(server, cluster, "noroute");
    const go = join(box.home, "go");
    const relay = Bun.spawn([join(DIST, "mmn"), "relay", "--poll", "1"], {
      cwd: box.home,
      env: relayEnv(box),
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      // `unshare -n` execs mmn in a namespace of its own, whose only interface (lo) is down: no route at all.
      const id = await box.submit(
        `exec unshare -n mmn run --interval 2 -- bash -c 'echo step one; while [ ! -e ${go} ]; do sleep 0.1; done; echo step two; exit 3'\n`,
      );
      await cluster.waitForState(id, ["RUNNING"], 60_000);
      await waitFor(() => box.output(id).includes("step one"), 30_000, "the job's first line");
      const printedAt = Date.now();
      await waitFor(
        () => box.threads()[0]?.status.message.includes("step one") === true,
        15_000,
        "the live tail through the relay",
      );
      const liveMs = Date.now() - printedAt;
      writeFileSync(go, "");
      const [record] = await cluster.waitForState(id, ["FAILED"], 60_000);
      const endedAt = Date.now();
      await waitFor(() => box.threads()[0]?.replies.length === 1, 15_000, "the end through the relay");
      const { status, replies } = box.threads()[0]!;
      console.log(
        `no route: the live tail at the server ${liveMs} ms after the job printed it (interval 2 s, poll 1 s); the end ${Date.now() - endedAt} ms after the job's\n${box.output(id)}`,
      );
      expect(liveMs).toBeLessThan(2000 + 1000 + 1500);
      // The run itself reached nothing: it said so, and kept its exit code.
      expect(box.output(id)).toContain("mmn: queued: mmn relay on a node that reaches the server will deliver it");
      expect(record!.exitCode).toBe("3:0");
      expect(status.message).toStartWith(`❌ **noroute ${id}** failed with exit code 3`);
      expect(cardField(status, "Status")).toContain("exit code 3");
      expect(replies[0]!.message).toContain("failed with exit code 3");
      expect(attachedLog(server, replies[0]!)).toBe("step one\nstep two\n");
      // The relay's next pass finds the run's own end told, and lets the run go without a word of its own.
      await waitFor(() => registered(box).length === 0, 5000, "the run retired");
      expect(box.threads()).toHaveLength(1);
      expect(box.threads()[0]!.replies).toHaveLength(1);
    } finally {
      relay.kill("SIGTERM");
      await relay.exited;
    }
    expect(await new Response(relay.stderr).text()).toBe("");
  },
  120_000,
);

maybe(
  "the server down from the middle of a job until after its end: the end kept, and delivered by mmn relay once the server is up; the status ends right",
  async () => {
    const box = jobBox(server, cluster, "serverdown");
    const go = join(box.home, "go");
    const id = await box.submit(
      `exec mmn run -- bash -c 'echo before; while [ ! -e ${go} ]; do sleep 0.1; done; echo after'\n`,
    );
    await cluster.waitForState(id, ["RUNNING"], 60_000);
    await waitFor(() => box.threads().length === 1 && registered(box).length === 1, 30_000, "the status post");
    await server.refuse();
    let record: Awaited<ReturnType<Cluster["jobs"]>>[number] | undefined;
    const startedAt = Date.now();
    try {
      writeFileSync(go, "");
      [record] = await cluster.waitForState(id, ["COMPLETED"], 120_000);
    } finally {
      await server.accept();
    }
    console.log(`server down: the job ended ${Date.now() - startedAt} ms after its command\n${box.output(id)}`);
    expect(box.output(id)).toContain("mmn: queued: mmn relay on a node that reaches the server will deliver it");
    expect(record!.exitCode).toBe("0:0");
    expect(box.threads()[0]!.status.message).toStartWith(`⏳ **serverdown ${id}** is running on `);
    const relay = await relayOnce(box);
    expect(relay.stderr).toBe("");
    expect(relay.code).toBe(0);
    expect(relay.stdout).toMatch(/^delivered: \d+ kept messages?\n$/);
    const { status, replies } = box.threads()[0]!;
    expect(status.message).toStartWith(`✅ **serverdown ${id}** `);
    expect(cardField(status, "Status")).not.toContain("running");
    expect(replies).toHaveLength(1);
    expect(attachedLog(server, replies[0]!)).toBe("before\nafter\n");
    expect(registered(box)).toEqual([]);
    expect(await relayOnce(box)).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(box.threads()[0]!.replies).toHaveLength(1);
  },
  180_000,
);

maybe(
  "the node set DOWN while a wrapped job runs, mmn alive: its own end says what Slurm says, NODE_FAIL",
  async () => {
    const box = jobBox(server, cluster, "nodedown");
    const id = await box.submit("exec mmn run -- bash -c 'echo working; exec sleep 300'\n", ["--no-requeue"]);
    await cluster.waitForState(id, ["RUNNING"], 60_000);
    await waitFor(() => box.threads().length === 1 && registered(box).length === 1, 30_000, "the status post");
    await withNodeDown(cluster, async (down) => {
      await down();
      const [record] = await cluster.waitForState(id, ["NODE_FAIL"], 60_000);
      expect(record!.raw).toContain("Reason=NodeDown");
      await waitFor(() => box.threads()[0]?.replies.length === 1, 30_000, "mmn's own end");
    });
    const { status, replies } = box.threads()[0]!;
    console.log(`node down, mmn alive: ${replies[0]!.message}`);
    const said = `🛑 **nodedown ${id}** was stopped: its node failed (Slurm says NODE_FAIL)`;
    expect(status.message).toStartWith(said);
    expect(replies[0]!.message).toStartWith(said);
    // Its file goes once the reply's answer is back at mmn, a moment after the server has it.
    await waitFor(() => registered(box).length === 0, 5000, "the run retired");
    expect(await relayOnce(box)).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(box.threads()[0]!.replies).toHaveLength(1);
  },
  120_000,
);

maybe(
  "the node set DOWN while a wrapped job runs, mmn frozen with its node: one pass of mmn relay ends the phone's status with Slurm's NODE_FAIL",
  async () => {
    const box = jobBox(server, cluster, "nodehung");
    const id = await box.submit("exec mmn run -- bash -c 'echo working; exec sleep 300'\n", ["--no-requeue"]);
    await cluster.waitForState(id, ["RUNNING"], 60_000);
    await waitFor(() => box.threads().length === 1 && registered(box).length === 1, 30_000, "the status post");
    const [file] = registered(box);
    const { pid } = JSON.parse(readFileSync(join(box.home, ".local/state/mmn/hooks/.runs", file!), "utf8"));
    // A node that hangs: its batch step (slurmstepd, mmn's parent) and mmn stop, so no signal of Slurm's
    // reaches mmn and it never speaks again; slurmctld ends the job NODE_FAIL on its own.
    const stepd = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
    expect(readFileSync(`/proc/${stepd}/comm`, "utf8")).toStartWith("slurmstepd");
    process.kill(stepd, "SIGSTOP");
    process.kill(pid, "SIGSTOP");
    let relay: Awaited<ReturnType<typeof relayOnce>> | undefined;
    let endedAt = 0;
    try {
      await withNodeDown(cluster, async (down) => {
        await down();
        await cluster.waitForState(id, ["NODE_FAIL"], 60_000);
        endedAt = Date.now();
        expect(box.threads()[0]!.status.message).toStartWith(`⏳ **nodehung ${id}** is running on `);
        relay = await relayOnce(box);
        // The node back: what was left of the job goes, mmn without a word (it died with its node).
        process.kill(pid, "SIGKILL");
        process.kill(stepd, "SIGCONT");
      });
    } finally {
      if (existsSync(`/proc/${pid}`)) process.kill(pid, "SIGKILL");
      if (existsSync(`/proc/${stepd}`)) process.kill(stepd, "SIGCONT");
    }
    const { status, replies } = box.threads()[0]!;
    console.log(
      `node down, mmn frozen: told ${Date.now() - endedAt} ms after Slurm ended the job\n${relay!.stdout}${replies[0]?.message}`,
    );
    expect(relay!.stderr).toBe("");
    expect(relay!.stdout).toMatch(
      new RegExp(`^told: nodehung ${id} \\(job ${id}\\): Slurm says NODE_FAIL after \\d+s`),
    );
    const said = new RegExp(
      `^❌ \\*\\*nodehung ${id}\\*\\* ended without a word from mmn: Slurm says NODE_FAIL after \\d+s`,
    );
    expect(status.message).toMatch(said);
    expect(cardField(status, "Status")).toStartWith("ended without a word from mmn: Slurm says NODE_FAIL");
    expect(replies).toHaveLength(1);
    expect(replies[0]!.message).toMatch(said);
    expect(registered(box)).toEqual([]);
  },
  120_000,
);
