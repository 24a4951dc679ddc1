// mmn relay on the "login node" (this machine, outside the job): a run that Slurm ended without
// letting mmn speak gets Slurm's word. Without `exec`, proctrack/cgroup's SIGTERM reaches only the
// batch shell and the cgroup's SIGKILL ends mmn unheard; `scancel -s KILL` ends an exec'd one alike.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";
import { PROCTRACK, skipReason, useCluster } from "./cluster.ts";
import { cardField, DIST, type JobBox, jobBox } from "./job.ts";
import type { Cluster } from "./slurm.ts";

let cluster: Cluster;
let server: TestServer;
useCluster((c, s) => {
  cluster = c;
  server = s;
});

/** The runs' files, not a write's temporary file beside one (which a listing may catch half-written). */
const registered = (box: JobBox) => {
  try {
    return readdirSync(join(box.home, ".local/state/mmn/hooks/.runs")).filter((name) => name.endsWith(".run"));
  } catch {
    return [];
  }
};

/** `mmn relay --once` as the job's user would run it on a login node, timed. */
async function relayOnce(box: JobBox) {
  const startedAt = performance.now();
  const proc = Bun.spawn([join(DIST, "mmn"), "relay", "--once"], {
    cwd: box.home,
    env: { ...cluster.env, HOME: box.home, PATH: `${DIST}:${cluster.env.PATH}`, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code, ms: Math.round(performance.now() - startedAt) };
}

/** A job whose mmn dies unheard: started, its status post out and registered, then ended by `end`. */
async function unheard(name: string, script: string, end: (id: string, box: JobBox) => Promise<void>, state: string) {
  const box = jobBox(server, cluster, name);
  const id = await box.submit(script);
  await cluster.waitForState(id, ["RUNNING"], 60_000);
  await waitFor(() => box.threads().length === 1 && registered(box).length === 1, 30_000, "the registered status");
  await end(id, box);
  const [record] = await cluster.waitForState(id, [state], 30_000);
  const endedAt = Date.now();
  // Nothing more comes from the job: the status says running.
  const { status } = box.threads()[0]!;
  expect(status.message).toStartWith(`⏳ **${name} ${id}** is running on `);
  expect(box.threads()[0]!.replies).toHaveLength(0);
  const relay = await relayOnce(box);
  const [thread] = box.threads();
  console.log(
    `${name}: relay pass ${relay.ms} ms, ${Date.now() - endedAt} ms after the job's end\n${relay.stdout}${thread!.replies[0]?.message}\n${record!.raw}`,
  );
  expect(relay.stderr).toBe("");
  expect(relay.code).toBe(0);
  expect(relay.stdout).toStartWith(`told: ${name} ${id} (job ${id}): Slurm says ${state} after `);
  const said = new RegExp(
    `^(🛑|❌) \\*\\*${name} ${id}\\*\\* ended without a word from mmn: Slurm says ${state} after \\d+s \\(exit \\d+:\\d+\\)`,
  );
  expect(thread!.status.message).toMatch(said);
  expect(cardField(thread!.status, "Status")).toStartWith(`ended without a word from mmn: Slurm says ${state}`);
  expect(thread!.replies).toHaveLength(1);
  expect(thread!.replies[0]!.message).toMatch(said);
  expect(registered(box)).toEqual([]);
  // Once: a second pass finds nothing to tell.
  expect((await relayOnce(box)).stdout).toBe("");
  expect(box.threads()[0]!.replies).toHaveLength(1);
  return thread!.replies[0]!.message;
}

describe.skipIf(skipReason !== undefined)("mmn relay under Slurm", () => {
  // A batch script without exec, as sbatch --wrap's: proctrack/cgroup's SIGTERM reaches the shell alone.
  (PROCTRACK === "cgroup" ? test : test.skip).concurrent(
    "mmn run without exec, scancelled: the relay tells Slurm's word, and how to make mmn speak (exec)",
    async () => {
      const reply = await unheard(
        "relaywrap",
        "mmn run -- bash -c 'echo working; exec sleep 300'\n",
        (id) => cluster.scancel(id),
        "CANCELLED",
      );
      expect(reply).toContain("it was not the job's main process");
      expect(reply).toContain('`sbatch --wrap "exec mmn run -- ./train.sh"`');
    },
    120_000,
  );

  // `scancel -s KILL` reaches the command first often enough that mmn tells its own end: the
  // SIGKILL mmn never hears is its own (the OOM killer, `kill -9` on the node).
  test.concurrent("exec mmn run, mmn SIGKILLed: the relay tells Slurm's word, and that mmn was killed", async () => {
    const reply = await unheard(
      "relaykill",
      "exec mmn run -- bash -c 'echo working; exec sleep 300'\n",
      async (_id, box) => {
        const [file] = registered(box);
        const { pid } = JSON.parse(readFileSync(join(box.home, ".local/state/mmn/hooks/.runs", file!), "utf8"));
        process.kill(pid, "SIGKILL");
      },
      "FAILED",
    );
    expect(reply).toContain("mmn was killed (SIGKILL) before it could tell the end");
  }, 120_000);

  (PROCTRACK === "cgroup" ? test : test.skip).concurrent(
    "mmn relay --poll 30 left running on the login node: the truth within one poll of the job's end",
    async () => {
      const box = jobBox(server, cluster, "relaypoll");
      const relay = Bun.spawn([join(DIST, "mmn"), "relay", "--poll", "30"], {
        cwd: box.home,
        env: { ...cluster.env, HOME: box.home, PATH: `${DIST}:${cluster.env.PATH}`, NO_COLOR: "1" },
        stdout: "pipe",
        stderr: "pipe",
      });
      try {
        const id = await box.submit("mmn run -- bash -c 'echo working; exec sleep 300'\n");
        await cluster.waitForState(id, ["RUNNING"], 60_000);
        await waitFor(
          () => box.threads().length === 1 && registered(box).length === 1,
          30_000,
          "the registered status",
        );
        await cluster.scancel(id);
        await cluster.waitForState(id, ["CANCELLED"], 30_000);
        const endedAt = Date.now();
        // The reply goes first (it notifies), the edit after it: both are waited for.
        const told = () => box.threads()[0]!;
        await waitFor(
          () => told().replies.length === 1 && told().status.message.startsWith("🛑"),
          35_000,
          "the relay's reply and edit",
        );
        const delay = box.threads()[0]!.replies[0]!.create_at - endedAt;
        console.log(`relay --poll 30: the phone told ${delay} ms after the job's end`);
        expect(delay).toBeLessThan(31_000);
        expect(box.threads()[0]!.status.message).toStartWith(
          `🛑 **relaypoll ${id}** ended without a word from mmn: Slurm says CANCELLED`,
        );
      } finally {
        relay.kill("SIGTERM");
        await relay.exited;
      }
      expect(await new Response(relay.stderr).text()).toBe("");
    },
    120_000,
  );
});

describe.skipIf(skipReason !== undefined)("mmn relay closes what no run can", () => {
  test.concurrent("an array of 20, 4 at a time, scancelled as a whole with tasks waiting: the board closed, the never-run counted, one reply", async () => {
    const box = jobBox(server, cluster, "relayarray");
    const id = await box.submit("exec mmn run -- sleep 300\n", ["--array=1-20%4"]);
    const arrays = join(box.home, ".local/state/mmn/hooks/.arrays");
    const boardPost = () => existsSync(join(arrays, `array-slurm-${id}`, "board-post.json"));
    await waitFor(() => box.threads().length === 1 && boardPost(), 60_000, "the array's board");
    // Tasks run and wait: the relay leaves the board to them.
    expect(await relayOnce(box)).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(box.threads()[0]!.status.message).toStartWith("🗂️");
    await cluster.scancel(id);
    await cluster.waitForState(id, ["CANCELLED"], 60_000);
    // The tasks that ran tell their own ends (the last edit may land after squeue says CANCELLED);
    // the board still waits for the others.
    await waitFor(
      () => /\b0 running\b/.test(box.threads()[0]!.status.message),
      30_000,
      "the ends of the tasks that ran",
    );
    const [before] = box.threads();
    expect(before!.status.message).toMatch(
      /^🗂️ \*\*relayarray\*\* \(array \d+\): 0 running, 0 succeeded, \d failed, \d+ waiting of 20 tasks/,
    );
    const relay = await relayOnce(box);
    console.log(`array closed: relay pass ${relay.ms} ms\n${relay.stdout}`);
    expect(relay.stderr).toBe("");
    expect(relay.code).toBe(0);
    const [, ran, never] = /(\d+) failed of 20 tasks; (\d+) waiting tasks were cancelled/.exec(relay.stdout) ?? [];
    expect(Number(ran) + Number(never)).toBe(20);
    expect(Number(never)).toBeGreaterThanOrEqual(16);
    const [after] = box.threads();
    const headline = `❌ **relayarray** (array ${id}): 0 succeeded, ${ran} failed of 20 tasks; ${never} waiting tasks were cancelled`;
    expect(after!.status.message).toStartWith(headline);
    expect((after!.status.props.attachments as Array<{ color: string }>)[0]!.color).toBe("danger");
    expect(after!.replies.filter((r) => r.message.startsWith(headline))).toHaveLength(1);
    expect((await relayOnce(box)).stdout).toBe("");
    expect(box.threads()[0]!.replies).toHaveLength(after!.replies.length);
  }, 150_000);

  test.concurrent("an array of 4, one task's mmn SIGKILLed while the others run: that task ended in Slurm's word after one pass, the others untouched", async () => {
    const box = jobBox(server, cluster, "relaytask");
    const id = await box.submit("exec mmn run -- sleep 300\n", ["--array=1-4"]);
    const dir = join(box.home, ".local/state/mmn/hooks/.arrays", `array-slurm-${id}`);
    const record = (task: number) => {
      try {
        return JSON.parse(readFileSync(join(dir, `${task}.task`), "utf8")) as { phase: string; pid: number };
      } catch {
        return undefined;
      }
    };
    const tasks = [1, 2, 3, 4];
    await waitFor(
      () => tasks.every((t) => record(t)?.phase === "running") && existsSync(join(dir, "board-post.json")),
      60_000,
      "four tasks running on the board",
    );
    process.kill(record(2)!.pid, "SIGKILL");
    const [ended] = await cluster.waitForState(`${id}_2`, ["FAILED"], 30_000);
    const endedAt = Date.now();
    const relay = await relayOnce(box);
    console.log(
      `array task unheard: relay pass ${relay.ms} ms, ${Date.now() - endedAt} ms after its end\n${relay.stdout}${ended!.raw}`,
    );
    expect(relay.stderr).toBe("");
    expect(relay.code).toBe(0);
    const host = hostname();
    const reply = `❌ task 2 of relaytask ended without a word from mmn: Slurm says FAILED on ${host}`;
    expect(relay.stdout).toBe(`told: array ${id}: ${reply}\n`);
    const [thread] = box.threads();
    expect(thread!.status.message).toBe(
      `🗂️ **relaytask** (array ${id}): 3 running, 0 succeeded, 1 failed of 4 tasks\nfailed: 2: ended without a word from mmn: Slurm says FAILED`,
    );
    expect(thread!.replies.map((r) => r.message)).toEqual([reply]);
    for (const task of [1, 3, 4]) expect(record(task)?.phase).toBe("running");
    // Once: a second pass finds nothing to tell.
    expect(await relayOnce(box)).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(box.threads()[0]!.replies).toHaveLength(1);
    await cluster.scancel(id);
  }, 120_000);

  test.concurrent('an afterok chain whose first step fails: the second step\'s "will never run" in the thread', async () => {
    const box = jobBox(server, cluster, "relaychain");
    const first = await box.submit("exec mmn run --thread chain -- sh -c 'exit 4'\n");
    const second = await box.submit("exec mmn run --thread chain -- true\n", [`--dependency=afterok:${first}`]);
    await cluster.waitForState(first, ["FAILED"], 60_000);
    // Slurm sets the reason at its next look at the queue: asked until then.
    for (let tries = 0; !(await cluster.jobs(second))[0]?.raw.includes("Reason=DependencyNeverSatisfied"); tries++) {
      if (tries > 60) throw new Error("the second step never said DependencyNeverSatisfied");
      await Bun.sleep(500);
    }
    await waitFor(() => box.posts().some((p) => p.message.includes("exit code 4")), 20_000, "the first step's end");
    const relay = await relayOnce(box);
    console.log(`chain: relay pass ${relay.ms} ms\n${relay.stdout}`);
    expect(relay.stderr).toBe("");
    expect(relay.stdout).toBe(`told: job ${second} in thread chain: step relaychain will never run\n`);
    const told = box.threads()[0]!.replies.map((r) => r.message);
    expect(told.at(-1)).toBe(
      `⛔ step relaychain (job ${second}) will never run: its dependency failed (Slurm: DependencyNeverSatisfied)`,
    );
    expect((await relayOnce(box)).stdout).toBe("");
    expect(box.threads()[0]!.replies).toHaveLength(told.length);
    await cluster.scancel(second);
  }, 120_000);
});
