import { describe, expect, test } from "bun:test";
import { MMN, mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, cardField, useRunServer } from "../helpers/run-server.ts";
import { standIns } from "../helpers/stand-ins.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// What a cluster user reads on the card, with the scheduler's environment and stand-ins for its
// programs on PATH: a scancel the scheduler is slow to show, a checkpoint signal, a restart, a
// job without a time limit, the command's own memory, a suspension. The real Slurm: test/cluster/.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});
const slurm = standIns();

const replies = () => alicePosts(server).filter((p) => p.root_id);
const now = () => Math.floor(Date.now() / 1000);
const env = (more: Record<string, string>) => ({ ...box.env, PATH: `${slurm.bin}:${box.env.PATH}`, ...more });

/** mmn run in a process group of its own, as a batch job is; resolves with the command's first line once it is posted. */
async function startRun(args: string[], more: Record<string, string>) {
  const proc = Bun.spawn([...MMN, "run", ...args], {
    cwd: box.cwd,
    env: env(more),
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  const first = await proc.stdout.getReader().read();
  await waitFor(() => alicePosts(server).length === 1, 5000, "the status post");
  return { proc, line: new TextDecoder().decode(first.value).trim() };
}

/** Prints "ready PID" (its own pid, kept by exec) and sleeps. */
const SLEEPER = ["--", "bash", "-c", "echo ready $$; exec sleep 30"];

describe("a plain scancel", () => {
  test("the scheduler still says RUNNING when first asked: asked again while the signal's budget lasts", async () => {
    slurm.reset();
    slurm.add(
      "scontrol",
      `[ "$n" -eq 0 ] && s=RUNNING || s=COMPLETING; echo "JobId=70 JobName=bravo JobState=$s Restarts=0"`,
    );
    // 22.05's squeue --json gives the base state alone: RUNNING, whatever is ending the job.
    slurm.add("squeue", `case "$*" in *--json*) echo '{"jobs":[{"job_state":"RUNNING"}]}';; *) exit 1;; esac`);
    const { proc } = await startRun(SLEEPER, { SLURM_JOB_ID: "70", SLURM_JOB_NAME: "bravo" });
    const sentAt = Date.now();
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(143);
    const reply = replies()[0]!;
    expect(reply.message).toMatch(/^🛑 \*\*bravo 70\*\* was cancelled \(scancel, or preempted\) on \S+ after \ds$/);
    expect(reply.create_at - sentAt).toBeLessThan(2500);
    expect(slurm.askedOf("scontrol")).toBe("show job -o 70\nshow job -o 70\n");
  });

  test("the command dies of Slurm's SIGTERM before mmn hears its own (proctrack/linuxproc): the scheduler is asked all the same", async () => {
    slurm.reset();
    slurm.add("scontrol", 'echo "JobId=71 JobName=bravo JobState=COMPLETING Restarts=0"');
    slurm.add(
      "squeue",
      `case "$*" in *--json*) echo '{"jobs":[{"job_state":["CANCELLED","COMPLETING"]}]}';; *) exit 1;; esac`,
    );
    const { proc, line } = await startRun(SLEEPER, { SLURM_JOB_ID: "71", SLURM_JOB_NAME: "bravo" });
    process.kill(Number(line.split(" ")[1]), "SIGTERM");
    expect(await proc.exited).toBe(143);
    expect(replies()[0]!.message).toMatch(/^🛑 \*\*bravo 71\*\* was cancelled \(scancel\) on /);
  });
});

describe("a checkpoint signal", () => {
  const CHECKPOINTS = [
    "--",
    "bash",
    "-c",
    'trap "echo saved; exit 0" USR1; echo ready $$; while :; do sleep 0.05; done',
  ];

  test("SIGUSR1 near the end time, then exit 0: the scheduler's warning, not a plain success", async () => {
    slurm.reset();
    const { proc } = await startRun(CHECKPOINTS, {
      SLURM_JOB_ID: "72",
      SLURM_JOB_NAME: "ckpt",
      SLURM_JOB_START_TIME: String(now() - 600),
      SLURM_JOB_END_TIME: String(now() + 30),
    });
    proc.kill("SIGUSR1");
    expect(await proc.exited).toBe(0);
    const [status, reply] = alicePosts(server);
    const said = "exited 0 after SIGUSR1 (the scheduler's warning before the time limit)";
    expect(reply!.message).toMatch(
      new RegExp(`^✅ \\*\\*ckpt 72\\*\\* ${said.replace(/[()]/g, "\\$&")} on \\S+ after`),
    );
    expect(cardField(status!, "Status")).toBe(said);
    expect(cardField(status!, "Exit")).toBeUndefined();
  });

  test("SIGUSR1 far from the end time: scancel --signal or kill", async () => {
    slurm.reset();
    const { proc } = await startRun(CHECKPOINTS, {
      SLURM_JOB_ID: "73",
      SLURM_JOB_NAME: "ckpt",
      SLURM_JOB_START_TIME: String(now() - 10),
      SLURM_JOB_END_TIME: String(now() + 86_400),
    });
    proc.kill("SIGUSR1");
    expect(await proc.exited).toBe(0);
    expect(replies()[0]!.message).toStartWith(
      "✅ **ckpt 73** exited 0 after SIGUSR1 (from scancel --signal or kill) on ",
    );
  });
});

describe("a requeued job's restart", () => {
  test("the headline says restart N; without accounting the duration says it is this restart's", async () => {
    slurm.reset();
    const r = await mmn(box, ["run", "--", "true"], {
      env: env({ SLURM_JOB_ID: "74", SLURM_JOB_NAME: "rq", SLURM_RESTART_COUNT: "1" }),
    });
    expect(r.code).toBe(0);
    const [status, reply] = alicePosts(server);
    expect(reply!.message).toMatch(/^✅ \*\*rq 74\*\* \(restart 1\) succeeded on \S+ after \ds \(this restart\)$/);
    expect(cardField(status!, "Duration")).toMatch(/^\ds \(this restart\)$/);
    expect(slurm.askedOf("sacct")).toBe("--duplicates -X -n -P -j 74 -o Start,State\n");
  });

  test("with sacct: counted from the first start, and a node failure said", async () => {
    slurm.reset();
    const first = new Date(Date.now() - 3600_000);
    const pad = (n: number) => String(n).padStart(2, "0");
    const local = `${first.getFullYear()}-${pad(first.getMonth() + 1)}-${pad(first.getDate())}T${pad(first.getHours())}:${pad(first.getMinutes())}:${pad(first.getSeconds())}`;
    slurm.add("sacct", `echo "${local}|NODE_FAIL"; echo "Unknown|RUNNING"`);
    await mmn(box, ["run", "--", "true"], {
      env: env({ SLURM_JOB_ID: "75", SLURM_JOB_NAME: "rq", SLURM_RESTART_COUNT: "1" }),
    });
    const [status, reply] = alicePosts(server);
    expect(reply!.message).toMatch(
      /^✅ \*\*rq 75\*\* \(restart 1, after a node failure\) succeeded on \S+ after 1h 00m 0\ds \(since its first start\)$/,
    );
    expect(cardField(status!, "Duration")).toMatch(/^1h 00m 0\ds \(since its first start\)$/);
  });
});

describe("the card's figures", () => {
  test("a job without a time limit (a year, as Slurm writes none): the elapsed time alone", async () => {
    slurm.reset();
    const start = now() - 1;
    await mmn(box, ["run", "--", "true"], {
      env: env({
        SLURM_JOB_ID: "76",
        SLURM_JOB_START_TIME: String(start),
        SLURM_JOB_END_TIME: String(start + 365 * 86_400),
      }),
    });
    expect(cardField(alicePosts(server)[0]!, "Duration")).toMatch(/^\ds$/);
  });

  test("the memory peak is the command's own, not the copy of mmn the child was before its exec", async () => {
    slurm.reset();
    // Sampled at each tick (100 ms) while it runs: a loaded machine had ended a 0.1 s sleep before any sample.
    await mmn(box, ["run", "--", "sleep", "0.5"], {
      env: env({ SLURM_JOB_ID: "77", SLURM_MEM_PER_NODE: "500", MMN_TEST_INTERVAL_MS: "100" }),
    });
    const memory = cardField(alicePosts(server)[0]!, "Memory")!;
    expect(memory).toMatch(/^peak [\d.]+ of 500 MiB asked$/);
    // sleep holds a MiB or two; mmn itself some 40.
    expect(Number(/peak ([\d.]+)/.exec(memory)![1])).toBeLessThan(10);
  });

  test("a suspended job (scontrol suspend stops every process, ours too): the time stopped is not counted", async () => {
    slurm.reset();
    const { proc } = await startRun(SLEEPER, { SLURM_JOB_ID: "78" });
    process.kill(-proc.pid, "SIGSTOP");
    // Stopped 2.5 s: mmn's once-a-second timer comes 1.5 to 2.5 s late, which is what is not counted.
    await Bun.sleep(2500);
    process.kill(-proc.pid, "SIGCONT");
    proc.kill("SIGTERM");
    await proc.exited;
    const duration = cardField(alicePosts(server)[0]!, "Duration");
    expect(duration).toMatch(/^[01]s \(not counting [12]s suspended\)$/);
  });

  test("the command stopped while mmn runs: suspended since, on the card", async () => {
    slurm.reset();
    const { proc, line } = await startRun(SLEEPER, { SLURM_JOB_ID: "79", MMN_TEST_INTERVAL_MS: "100" });
    const pid = Number(line.split(" ")[1]);
    process.kill(pid, "SIGSTOP");
    const status = () => alicePosts(server)[0]!;
    await waitFor(() => cardField(status(), "Status")?.startsWith("suspended since ") === true, 5000, "suspended");
    expect(cardField(status(), "Status")).toMatch(
      /^suspended since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC[+-]\d\d:\d\d \(its processes are stopped\)$/,
    );
    process.kill(pid, "SIGCONT");
    await waitFor(() => cardField(status(), "Status") === "running", 5000, "running again");
    proc.kill("SIGTERM");
    await proc.exited;
  });
});
