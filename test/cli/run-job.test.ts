import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { limitedCgroup } from "../helpers/cgroup.ts";
import { MMN, mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// The job around mmn run, with the scheduler's environment and stand-ins for squeue, scontrol and
// nvidia-smi on PATH: why it ended, what it used, how the first line names it. The real Slurm
// cases are in test/cluster/.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const bin = mkdtempSync(join(tmpdir(), "mmn-standins-"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));
/** A stand-in program first on PATH; what it was asked lands in NAME.args. */
function standIn(name: string, script: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\necho "$@" >> ${join(bin, `${name}.args`)}\n${script}\n`);
  chmodSync(join(bin, name), 0o755);
}
const askedOf = (name: string) => {
  try {
    return readFileSync(join(bin, `${name}.args`), "utf8");
  } catch {
    return "";
  }
};
/** Stand-ins that know nothing: no real Slurm on this machine may answer for the job. */
function resetStandIns(): void {
  rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin);
  for (const name of ["squeue", "scontrol", "qstat", "bjobs"]) standIn(name, "exit 1");
}

type Card = { color: string; fields: Array<{ title: string; value: string }>; footer: string };
const card = (post: Post) => (post.props.attachments as Card[])[0]!;
const field = (post: Post, title: string) => card(post).fields.find((f) => f.title === title)?.value;
const replies = () => alicePosts(server).filter((p) => p.root_id);
const now = () => Math.floor(Date.now() / 1000);

/** mmn run in the background, as a batch script's exec would have it; resolves once the command printed "ready". */
async function startRun(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([...MMN, "run", ...args], {
    cwd: box.cwd,
    env: { ...box.env, PATH: `${bin}:${box.env.PATH}`, ...env },
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  const first = await proc.stdout.getReader().read();
  expect(new TextDecoder().decode(first.value)).toBe("ready\n");
  await waitFor(() => alicePosts(server).length === 1, 5000, "the status post");
  return proc;
}

/** SIGTERM as Slurm sends it to `exec mmn run`; the exit code and when the reply reached the server, after it. */
async function terminate(proc: Awaited<ReturnType<typeof startRun>>) {
  const sentAt = Date.now();
  proc.kill("SIGTERM");
  const code = await proc.exited;
  const reply = server.requests.find((q) => q.path === "/api/v4/posts" && (q.body as { root_id?: string }).root_id);
  return { code, replyAfterMs: (reply?.at ?? Number.POSITIVE_INFINITY) - sentAt };
}

const SLEEPER = ["--", "bash", "-c", "echo ready; exec sleep 30"];

describe("why it ended", () => {
  test("SIGTERM at the end time: the time limit in the first line, the command's own end on the card; 90 % warned before", async () => {
    resetStandIns();
    // An 11 s limit with 3 s left: the warning comes 0.9 to 1.9 s from now (the times are whole
    // seconds: with 2 s left, a start late in its second put the 90 % mark in the past).
    const env = {
      SLURM_JOB_ID: "77",
      SLURM_JOB_NAME: "sweep",
      SLURM_JOB_START_TIME: String(now() - 8),
      SLURM_JOB_END_TIME: String(now() + 3),
    };
    const proc = await startRun(SLEEPER, env);
    await waitFor(() => replies().length === 1, 5000, "the warning at 90 % of the time limit");
    expect(replies()[0]!.message).toMatch(/^⏰ \*\*sweep 77\*\* has \ds left of its time limit of 0:00:11 on \S+$/);
    const { code } = await terminate(proc);
    expect(code).toBe(143);
    const [status, warning, reply] = alicePosts(server);
    expect(warning!.root_id).toBe(status!.id);
    expect(reply!.message).toMatch(/^⏰ \*\*sweep 77\*\* hit its time limit of 0:00:11 on \S+ after \d+s$/);
    expect(status!.message).toStartWith("⏰ **sweep 77** hit its time limit of 0:00:11 on ");
    expect(field(status!, "Exit")).toBe("killed by SIGTERM");
    expect(field(status!, "Duration")).toMatch(/^\ds of 0:00:11$/);
    // SLURM_JOB_END_TIME said it all: no squeue at the start, no scontrol at the signal.
    expect(askedOf("squeue") + askedOf("scontrol")).toBe("");
  });

  test("scancel: squeue told the end time at the start, scontrol says COMPLETING with no restart", async () => {
    resetStandIns();
    standIn("squeue", 'case "$*" in *%e*) echo "2099-01-01T00:00:00|1-00:00:00";; *) exit 1;; esac');
    standIn("scontrol", 'echo "JobId=78 JobName=train JobState=COMPLETING Reason=None Dependency=(null) Restarts=0"');
    const proc = await startRun(SLEEPER, { SLURM_JOB_ID: "78", SLURM_JOB_NAME: "train" });
    await waitFor(() => askedOf("squeue").includes("%e"), 5000, "squeue at the start");
    const { code, replyAfterMs } = await terminate(proc);
    expect(code).toBe(143);
    expect(replyAfterMs).toBeLessThan(2500);
    const [status, reply] = alicePosts(server);
    expect(reply!.message).toMatch(/^🛑 \*\*train 78\*\* was cancelled \(scancel, or preempted\) on \S+ after \d+s$/);
    expect(field(status!, "Duration")).toMatch(/^\ds of 1-00:00:00$/);
    expect(askedOf("squeue")).toBe("-h -j 78 -o %e|%l\n--json -j 78\n");
    expect(askedOf("scontrol")).toBe("show job -o 78\n");
  });

  test("newer Slurm's squeue --json names the state under COMPLETING; a restart count up means requeued", async () => {
    resetStandIns();
    standIn(
      "squeue",
      `case "$*" in *--json*) echo '{"jobs":[{"job_state":["CANCELLED","COMPLETING"],"restart_cnt":0}]}';; *) exit 1;; esac`,
    );
    let proc = await startRun(SLEEPER, { SLURM_JOB_ID: "79", SLURM_JOB_NAME: "train" });
    await terminate(proc);
    expect(replies()[0]!.message).toStartWith("🛑 **train 79** was cancelled (scancel) on ");

    server.reset();
    resetStandIns();
    standIn("scontrol", 'echo "JobId=80 JobName=train JobState=COMPLETING Reason=None Restarts=2"');
    proc = await startRun(SLEEPER, { SLURM_JOB_ID: "80", SLURM_JOB_NAME: "train", SLURM_RESTART_COUNT: "1" });
    await terminate(proc);
    expect(replies()[0]!.message).toStartWith(
      "🔁 **train 80** (restart 1) was requeued (it runs again as restart 2) on ",
    );
  });

  test("a scheduler that does not answer: said so, and the final message is not held up past the signal's budget", async () => {
    resetStandIns();
    standIn("scontrol", "exec sleep 10");
    standIn("squeue", "exec sleep 10");
    const proc = await startRun(SLEEPER, { SLURM_JOB_ID: "81", SLURM_JOB_NAME: "train" });
    const { replyAfterMs } = await terminate(proc);
    expect(replyAfterMs).toBeLessThan(2500);
    expect(replies()[0]!.message).toStartWith(
      "🛑 **train 81** was stopped by SIGTERM (from the scheduler or scancel) on ",
    );
  });

  const MIB = 1024 * 1024;
  const cgroup = limitedCgroup(`mmn-test-${process.pid}`, 256 * MIB);
  afterAll(() => cgroup?.remove());
  test.skipIf(!cgroup)(
    "the out-of-memory killer in a memory-limited cgroup (no scheduler): said, with the peak and the limit",
    async () => {
      // Our own Bun as the memory hog: it grows until the kernel kills it.
      const hog = [process.execPath, "-e", "const a = []; for (;;) a.push(Buffer.alloc(8 << 20, 1));"];
      const proc = Bun.spawn(
        ["sh", "-c", 'echo $$ > "$0" && exec "$@"', cgroup!.procs, ...MMN, "run", "--title", "hog", "--", ...hog],
        {
          cwd: box.cwd,
          env: { ...box.env, PATH: `${bin}:${box.env.PATH}` },
          stdout: "ignore",
          stderr: "pipe",
        },
      );
      expect(await proc.exited).toBe(137);
      const [status, reply] = alicePosts(server);
      expect(reply!.message).toMatch(
        /^💥 \*\*hog\*\* was killed by the out-of-memory killer at 2\d\d of 256 MiB on \S+ after \d+s$/,
      );
      expect(field(status!, "Exit")).toBe("killed by SIGKILL");
      expect(field(status!, "Memory")).toMatch(/^peak 2\d\d of 256 MiB \(its cgroup's limit\)$/);
    },
  );

  test("outside a job a SIGTERM is what it was: killed by SIGTERM", async () => {
    resetStandIns();
    const proc = await startRun(SLEEPER, {});
    await terminate(proc);
    expect(replies()[0]!.message).toMatch(/^🛑 \*\*`bash -c 'echo ready; exec sleep 30'`\*\* killed by SIGTERM on /);
  });
});

describe("what it used", () => {
  test("CPU and memory against what Slurm allocated, and one line of advice for a request far off", async () => {
    resetStandIns();
    const env = { SLURM_JOB_ID: "90", SLURM_JOB_NAME: "fit", SLURM_CPUS_ON_NODE: "2", SLURM_MEM_PER_NODE: "4096" };
    const r = await mmn(box, ["run", "--", "bash", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"], {
      env: { ...env, PATH: `${bin}:${box.env.PATH}` },
    });
    expect(r.code).toBe(0);
    const status = alicePosts(server)[0]!;
    expect(field(status, "CPU")).toMatch(/^[\d.]+s, \d+ % of 2 cores$/);
    expect(field(status, "Memory")).toMatch(/^peak [\d.]+ MiB of 4 GiB asked$/);
    expect(field(status, "Advice")).toMatch(/^asked 4 GiB, peak [\d.]+ MiB: --mem=\d+00M would do$/);
  });

  test("GPUs from nvidia-smi at each tick, the job's own (SLURM_JOB_GPUS)", async () => {
    resetStandIns();
    standIn("nvidia-smi", 'echo "0, Tesla T4, 60, 3072, 15360"; echo "1, Tesla T4, 20, 1024, 15360"');
    await mmn(box, ["run", "--", "bash", "-c", "sleep 1"], {
      env: { PATH: `${bin}:${box.env.PATH}`, SLURM_JOB_ID: "91", SLURM_JOB_GPUS: "0,1", MMN_TEST_INTERVAL_MS: "100" },
    });
    const status = alicePosts(server)[0]!;
    expect(field(status, "GPU")).toBe("2 × Tesla T4: 40 % busy on average (peak 60 %), memory peak 3 of 15 GiB");
    expect(askedOf("nvidia-smi").split("\n")[0]).toBe(
      "--query-gpu=index,name,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits -i 0,1",
    );
  });
});

describe("which job this is", () => {
  test("a silent job's status is edited on the heartbeat, saying how long ago the last output came", async () => {
    resetStandIns();
    await mmn(box, ["run", "--", "bash", "-c", "echo once; sleep 2.2"], {
      env: { MMN_TEST_INTERVAL_MS: "100", MMN_TEST_HEARTBEAT_MS: "500" },
    });
    const edits = server.requests.filter((q) => q.method === "PUT").map((q) => (q.body as { message: string }).message);
    const silent = edits.filter((m) => /is running on \S+ \(\ds, last output \ds ago\)/.test(m));
    expect(silent.length).toBeGreaterThanOrEqual(2);
  });

  test("the start time in the machine's time zone", async () => {
    resetStandIns();
    await mmn(box, ["run", "--", "true"], { env: { TZ: "America/New_York" } });
    expect(card(alicePosts(server)[0]!).footer).toMatch(/started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC-0[45]:00$/);
  });
});
