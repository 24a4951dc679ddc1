import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { lsfAccounting, lsfJob, lsfState } from "../../src/scheduler/lsf.ts";
import { pbsAccounting, pbsJob, pbsState } from "../../src/scheduler/pbs.ts";
import { parseSacct } from "../../src/scheduler/slurm-parse.ts";

// Each scheduler's word on a job asked by its id (who it is, its state, its accounting), parsed from its documented output (fixtures/), in
// Slurm's words where they match.

const fixture = (name: string) => readFileSync(join(import.meta.dir, "fixtures", name), "utf8");
const local = (d: number, h: number, m: number, s = 0) => new Date(2026, 11, d, h, m, s).getTime();

describe("Slurm: sacct -n -P -o JobID,State,ExitCode,Start,End,ElapsedRaw,TotalCPU,MaxRSS", () => {
  test("the job's own line for how it ended, its steps' for the memory", () => {
    expect(parseSacct(fixture("sacct.txt"))).toEqual({
      state: "CANCELLED",
      by: "1000",
      exitCode: 0,
      signal: 15,
      startedAt: local(1, 10, 0),
      endedAt: local(1, 10, 5),
      elapsedMs: 300_000,
      cpuSeconds: 4 * 60 + 58.123,
      maxMemory: 204800 * 1024,
    });
  });

  test("a clean exit, a day of CPU time, no accounting", () => {
    const line = "9|COMPLETED|0:0|2026-12-01T10:00:00|2026-12-02T10:00:00|86400|1-02:00:00|";
    expect(parseSacct(line)).toMatchObject({ state: "COMPLETED", exitCode: 0, cpuSeconds: 26 * 3600 });
    expect(parseSacct(line)?.signal).toBeUndefined();
    expect(parseSacct("")).toBeUndefined();
    expect(parseSacct(undefined)).toBeUndefined();
  });
});

describe("PBS: qstat -f and qstat -x -f", () => {
  test("a running job: RUNNING, with PBS's comment as the reason", () => {
    expect(pbsState(fixture("qstat-f-running.txt"))).toEqual({
      state: "RUNNING",
      states: ["RUNNING"],
      reason: "Job run at Tue Dec 01 at 10:00 on (node01:ncpus=4)",
    });
    expect(pbsAccounting(fixture("qstat-f-running.txt"))).toBeUndefined();
  });

  test("PBS Pro's finished job: Exit_status 271 is SIGTERM, resources_used, a comment wrapped over two lines", () => {
    expect(pbsAccounting(fixture("qstat-x-f.txt"))).toEqual({
      state: "FAILED",
      signal: 15,
      reason: "Job run at Tue Dec 01 at 10:00 on (node01:ncpus=4:mem=8388608kb) and finished",
      startedAt: Date.parse("Tue Dec  1 10:00:00 2026"),
      endedAt: Date.parse("Tue Dec  1 11:00:06 2026"),
      elapsedMs: 3605_000,
      cpuSeconds: 59 * 60 + 2,
      maxMemory: 3276800 * 1024,
    });
    expect(pbsState(fixture("qstat-x-f.txt"))?.state).toBe("FAILED");
  });

  test("Torque's completed job: exit_status below 0 is PBS's own failure to run it", () => {
    expect(pbsAccounting(fixture("torque-qstat-f.txt"))).toEqual({ state: "FAILED", exitCode: -1 });
    expect(pbsAccounting("qstat: Unknown Job Id 9.server\n")).toBeUndefined();
  });
});

describe("LSF: bjobs -o … -json", () => {
  test("a job that hit its run limit: TIMEOUT, with LSF's exit reason", () => {
    expect(lsfAccounting(fixture("bjobs-ended.json"), local(1, 12, 0))).toEqual({
      state: "TIMEOUT",
      reason: "TERM_RUNLIMIT: job killed after reaching LSF run time limit",
      exitCode: 140,
      startedAt: local(1, 10, 0),
      endedAt: local(1, 11, 0),
      elapsedMs: 3600_000,
      cpuSeconds: 59 * 60 + 30,
      maxMemory: 1.5 * 1024 ** 3,
    });
  });

  test("a pending job: PENDING and why; no accounting before the end", () => {
    expect(lsfState(fixture("bjobs-pending.json"))).toEqual({
      state: "PENDING",
      states: ["PENDING"],
      reason: "New job is waiting for scheduling;",
    });
    expect(lsfAccounting(fixture("bjobs-pending.json"))).toBeUndefined();
    const done = JSON.stringify({ RECORDS: [{ STAT: "DONE", EXIT_CODE: "", EXIT_REASON: "" }] });
    expect(lsfAccounting(done)).toEqual({ state: "COMPLETED", exitCode: 0 });
    const killed = JSON.stringify({ RECORDS: [{ STAT: "EXIT", EXIT_CODE: "130", EXIT_REASON: "TERM_OWNER" }] });
    expect(lsfAccounting(killed)?.state).toBe("CANCELLED");
    expect(lsfState("not json")).toBeUndefined();
  });
});

describe("who a job is, asked by its id", () => {
  test("PBS Pro's array task on two hosts; LSF's, with its index and slots", () => {
    const qstat =
      "Job Id: 56[2].pbs01\n    Job_Name = sweep\n    queue = workq\n    server = pbs01\n    exec_host = node01/0*4+node02/0*4\n    array_index = 2\n";
    expect(pbsJob(qstat)).toEqual({
      scheduler: "pbs",
      jobId: "56[2].pbs01",
      jobName: "sweep",
      arrayTaskId: "2",
      queue: "workq",
      cluster: "pbs01",
      nodes: "node01,node02",
    });
    const bjobs = JSON.stringify({
      RECORDS: [{ JOBID: "9", JOB_NAME: "sweep[4]", QUEUE: "normal", EXEC_HOST: "4*hostA:4*hostB", JOBINDEX: "4" }],
    });
    expect(lsfJob(bjobs)).toEqual({
      scheduler: "lsf",
      jobId: "9",
      jobName: "sweep",
      arrayTaskId: "4",
      queue: "normal",
      nodes: "hostA,hostB",
    });
    expect(pbsJob("qstat: Unknown Job Id 9.server\n")).toBeUndefined();
    expect(lsfJob(JSON.stringify({ RECORDS: [{ ERROR: "Job <9> is not found" }] }))).toBeUndefined();
  });
});
