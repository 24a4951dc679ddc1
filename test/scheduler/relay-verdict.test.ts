import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { RunRecord } from "../../src/relay/registry.ts";
import type { Verdict } from "../../src/relay/verdict.ts";
import { standIns } from "../helpers/stand-ins.ts";

// The relay's verdict on a registered run, from stand-ins for Slurm's programs first on PATH
// (squeue, scontrol, sacct), and the words it gives the run's status post and reply.

const slurm = standIns();
/** The tools the stand-ins' scripts use, and `id` for a uid's name, without the real Slurm that /usr/bin may hold. */
const tools = mkdtempSync(join(tmpdir(), "mmn-tools-"));
for (const tool of ["cat", "wc", "id"]) symlinkSync(Bun.which(tool)!, join(tools, tool));
afterAll(() => rmSync(tools, { recursive: true, force: true }));
const JUDGE = join(import.meta.dir, "fixtures", "relay-judge.ts");

/** The relay's verdict and words, judged from `host` in a process whose PATH has the stand-ins alone. */
async function judge(
  r: RunRecord,
  on: { host: string },
  current = "",
): Promise<Verdict & { words?: { what: string; reply: string; edited: string } }> {
  const proc = Bun.spawn([process.execPath, JUDGE, JSON.stringify(r), on.host, current], {
    env: { PATH: `${slurm.bin}:${tools}`, HOME: process.env.HOME ?? "/" },
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  const { verdict, ...words } = JSON.parse(out);
  return Object.keys(words).length ? Object.defineProperty(verdict, "words", { value: words }) : verdict;
}

const GONE = 2 ** 22 + 17;
const record = (more: Partial<RunRecord> = {}): RunRecord => ({
  host: hostname(),
  pid: GONE,
  startTicks: 1,
  startedAt: 0,
  name: "train 4242",
  hookId: "run-4242",
  post: { postId: "p".repeat(26), channelId: "c".repeat(26), server: "https://chat.example.org" },
  job: { scheduler: "slurm", jobId: "4242" },
  ...more,
});
const here = { host: hostname() };
const ended = async (r: RunRecord, on = here, current = "") => {
  const verdict = await judge(r, on, current);
  if (verdict.kind !== "ended") throw new Error(`not ended: ${JSON.stringify(verdict)}`);
  return verdict;
};

/** squeue --json and scontrol as Slurm answers for a job in `states`, and sacct as given. */
function slurmSays(states: string[], scontrol: string, sacct = "exit 1") {
  slurm.reset();
  slurm.add(
    "squeue",
    `case "$*" in *--json*) echo '{"jobs":[{"job_state":${JSON.stringify(states)}}]}';; *) exit 1;; esac`,
  );
  slurm.add("scontrol", `echo "JobId=4242 JobName=train ${scontrol}"`);
  slurm.add("sacct", sacct);
}

describe("a job's verdict: squeue and scontrol at once, then sacct", () => {
  test("cancelled by a user, with accounting: who, how long, the exit code", async () => {
    slurmSays(
      ["CANCELLED"],
      "JobState=CANCELLED Reason=None ExitCode=0:15 RunTime=02:03:10",
      `echo "4242|CANCELLED by 0|0:15|2026-12-06T10:00:00|2026-12-06T12:03:10|7390|00:01.000|"`,
    );
    const verdict = await ended(record({ mention: "alice" }));
    expect({ ...verdict }).toEqual({
      kind: "ended",
      source: "scheduler",
      state: "CANCELLED",
      by: "root",
      exitCode: 0,
      signal: 15,
      elapsedMs: 7_390_000,
    });
    expect(verdict.words?.reply).toBe(
      "@alice 🛑 **train 4242** ended without a word from mmn: Slurm says CANCELLED by root after 2h 03m (exit 0:15)\n" +
        "mmn was killed before it could tell the end: a SIGKILL (`scancel -s KILL`), or Slurm's KillWait ran out first.",
    );
    // Three questions: squeue and scontrol for the state, sacct for its accounting.
    expect(
      [slurm.askedOf("squeue"), slurm.askedOf("scontrol"), slurm.askedOf("sacct")].map(
        (a) => a.split("\n").filter(Boolean).length,
      ),
    ).toEqual([1, 1, 1]);
  });

  test("no accounting: scontrol's word within MinJobAge", async () => {
    slurmSays(["TIMEOUT"], "JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 RunTime=01:00:05");
    const verdict = await ended(record());
    expect(verdict.words?.what).toBe("Slurm says TIMEOUT after 1h 00m (exit 0:15), TimeLimit");
  });

  test.each([
    ["NODE_FAIL", "❌", "The node failed: mmn on it could not speak."],
    ["OUT_OF_MEMORY", "❌", undefined],
    ["PREEMPTED", "🛑", "mmn was killed before it could tell the end"],
  ])("%s", async (state, icon, because) => {
    slurmSays([state], `JobState=${state} Reason=None ExitCode=0:0 RunTime=00:05:07`);
    const text = (await ended(record())).words!.reply;
    expect(text).toStartWith(
      `${icon} **train 4242** ended without a word from mmn: Slurm says ${state} after 5m 07s (exit 0:0)`,
    );
    if (because) expect(text).toContain(because);
    else expect(text.split("\n")).toHaveLength(1);
  });

  test("mmn was not the batch step's main process: why it could not speak, and exec", async () => {
    slurmSays(["CANCELLED"], "JobState=CANCELLED Reason=None ExitCode=0:15 RunTime=00:00:40");
    const text = (await ended(record({ batchMain: false }))).words!.reply;
    expect(text).toContain("mmn could not speak: it was not the job's main process.");
    expect(text).toContain(
      '`exec mmn run -- ./train.sh` as the script\'s last line, or `sbatch --wrap "exec mmn run -- ./train.sh"`',
    );
  });

  test("the state COMPLETING hides is Slurm's word; COMPLETING alone is waited for", async () => {
    slurmSays(["FAILED", "COMPLETING"], "JobState=COMPLETING Reason=None ExitCode=1:0");
    expect((await ended(record())).state).toBe("FAILED");
    slurmSays(["COMPLETING"], "JobState=COMPLETING Reason=None");
    expect(await judge(record(), here)).toEqual({ kind: "running" });
  });

  test("a job that runs (or waits, or was requeued) is left running, from another host too", async () => {
    for (const state of ["RUNNING", "PENDING", "REQUEUED", "SUSPENDED"]) {
      slurmSays([state], `JobState=${state} Reason=None`);
      expect(await judge(record(), { host: "login1" })).toEqual({ kind: "running" });
    }
  });

  test("a job Slurm no longer knows, without accounting: unknown from elsewhere, the process table's word on its host", async () => {
    slurm.reset();
    expect(await judge(record(), { host: "login1" })).toMatchObject({ kind: "unknown" });
    expect({ ...(await judge(record(), here)) }).toEqual({ kind: "ended", source: "process" });
  });
});

describe("a run outside any job", () => {
  test("its process gone from this host; a reused pid is another process; another host cannot tell", async () => {
    const plain = record({ job: undefined });
    expect(await judge(plain, here)).toEqual({ kind: "ended", source: "process" });
    // This very process, registered with another start time: its pid was reused.
    expect(await judge({ ...plain, pid: process.pid, startTicks: 1 }, here)).toEqual({
      kind: "ended",
      source: "process",
    });
    expect(await judge({ ...plain, pid: process.pid, startTicks: undefined }, here)).toEqual({ kind: "running" });
    expect(await judge(plain, { host: "login1" })).toMatchObject({ kind: "unknown" });
  });

  test("the status post keeps its output below the new first line", async () => {
    const running = "⏳ **train** is running on n1 (5s)\n```\nepoch 3\n```";
    const verdict = await ended(record({ job: undefined }), here, running);
    expect(verdict.words?.edited).toBe(
      `🛑 **train 4242** ended without a word from mmn: its process (pid ${GONE} on ${hostname()}) is gone\n\`\`\`\nepoch 3\n\`\`\``,
    );
  });
});
