import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLsfQueue } from "../../src/scheduler/lsf-queue.ts";
import { parsePbsIds, parsePbsQueue } from "../../src/scheduler/pbs-queue.ts";
import { parseSacct, parseScontrolJob, parseSqueueQueue } from "../../src/scheduler/slurm-parse.ts";

// What `mmn watch` reads of each scheduler's queue: Slurm's from its documented -o format (and
// the real one in test/cluster/watch.cluster.ts), PBS's and LSF's from their documented JSON.

const fixture = (name: string) => readFileSync(join(import.meta.dir, "fixtures", name), "utf8");
const local = (text: string) => new Date(text).getTime();

describe("Slurm: squeue -h -r -t all -o %A|%F|%K|%T|%r|%V|%S|%e|%l|%j", () => {
  test("a pending job (its start is a guess, left out), a running one, an array's tasks, an ended one", () => {
    const output = [
      "42|42|N/A|PENDING|Priority|2026-12-07T01:00:00|2026-12-07T09:00:00|N/A|1:00:00|train|x",
      "43|43|N/A|RUNNING|None|2026-12-07T01:00:00|2026-12-07T04:12:00|2026-12-07T05:12:00|UNLIMITED|run",
      "7003|7000|3|PENDING|JobArrayTaskLimit|2026-12-07T01:00:00|N/A|N/A|10:00|sweep",
      "44|44|N/A|COMPLETED|None|2026-12-07T01:00:00|2026-12-07T01:01:00|2026-12-07T01:02:00|10:00|done",
      "garbage",
    ].join("\n");
    expect(parseSqueueQueue(output)).toEqual([
      {
        jobId: "42",
        name: "train|x",
        state: "PENDING",
        reason: "Priority",
        submittedAt: local("2026-12-07T01:00:00"),
        limitMs: 3_600_000,
      },
      {
        jobId: "43",
        name: "run",
        state: "RUNNING",
        submittedAt: local("2026-12-07T01:00:00"),
        startedAt: local("2026-12-07T04:12:00"),
        endedAt: local("2026-12-07T05:12:00"),
      },
      {
        jobId: "7003",
        arrayJobId: "7000",
        arrayTaskId: "3",
        name: "sweep",
        state: "PENDING",
        reason: "JobArrayTaskLimit",
        submittedAt: local("2026-12-07T01:00:00"),
        limitMs: 600_000,
      },
      {
        jobId: "44",
        name: "done",
        state: "COMPLETED",
        submittedAt: local("2026-12-07T01:00:00"),
        startedAt: local("2026-12-07T01:01:00"),
        endedAt: local("2026-12-07T01:02:00"),
        limitMs: 600_000,
      },
    ]);
    expect(parseSqueueQueue(undefined)).toBeUndefined();
  });

  test("scontrol's StdOut; sacct's AllocCPUS and ReqMem (per node, or per CPU before 21.08)", () => {
    expect(parseScontrolJob("JobId=42 JobName=t StdOut=/home/a/slurm-42.out\n")?.stdout).toBe("/home/a/slurm-42.out");
    const row = (reqMem: string) =>
      `42|COMPLETED|0:0|2026-12-07T01:00:00|2026-12-07T01:01:00|60|00:30.000|0|4|${reqMem}\n42.batch|COMPLETED|0:0|||60|00:30.000|1024K|4|${reqMem}`;
    expect(parseSacct(row("2G"))).toMatchObject({ cpus: 4, requestedMemory: 2 * 1024 ** 3, maxMemory: 1024 * 1024 });
    expect(parseSacct(row("2Gn"))).toMatchObject({ requestedMemory: 2 * 1024 ** 3 });
    expect(parseSacct(row("500Mc"))).toMatchObject({ requestedMemory: 4 * 500 * 1024 ** 2 });
  });
});

describe("PBS: qstat -f -F json -x -t (PBS Pro 14.1's documented example)", () => {
  test("queued with the scheduler's comment, running, held, finished by a signal, an array's subjobs", () => {
    const jobs = parsePbsQueue(fixture("qstat-f-json.json"))!;
    expect(jobs.map((j) => [j.jobId, j.state, j.arrayJobId, j.arrayTaskId])).toEqual([
      ["1.vbox", "PENDING", undefined, undefined],
      ["2.vbox", "RUNNING", undefined, undefined],
      ["3.vbox", "PENDING", undefined, undefined],
      ["4.vbox", "FAILED", undefined, undefined],
      ["5[1].vbox", "COMPLETED", "5[].vbox", "1"],
      ["5[2].vbox", "RUNNING", "5[].vbox", "2"],
    ]);
    expect(jobs[0]).toMatchObject({
      name: "STDIN",
      reason: "Not Running: Insufficient amount of resource: ncpus (R: 1 A: 0 T: 2)",
      submittedAt: Date.parse("Fri Nov 11 17:57:05 2016"),
      limitMs: 3_600_000,
      stdout: "/home/alice/STDIN.o1",
    });
    expect(jobs[1]).toMatchObject({ startedAt: Date.parse("Fri Nov 11 18:10:00 2016"), limitMs: 7_200_000 });
    expect(jobs[2]!.reason).toBe("held (Hold_Types=u)");
    expect(jobs[3]).toMatchObject({ signal: 15, endedAt: Date.parse("Fri Nov 11 17:31:00 2016") });
    expect(parsePbsQueue("not json")).toBeUndefined();
  });

  test("qstat -x -t -u USER's default display: the ids", () => {
    const output = `
vbox:
                                                            Req'd  Req'd   Elap
Job ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time
--------------- -------- -------- ---------- ------ --- --- ------ ----- - -----
1.vbox          alice    workq    STDIN         --    1   1    --  01:00 Q   --
5[1].vbox       alice    workq    sweep       4242    1   1    --  01:00 X 00:02
`;
    expect(parsePbsIds(output)).toEqual(["1.vbox", "5[1].vbox"]);
  });
});

describe("LSF: bjobs -a -hms -json -o (LSF 10.1's documented -json)", () => {
  test("pending with its reason, a dependency never satisfied, an exit, an array's element; a job not found is left out", () => {
    const now = new Date("2026-12-02T00:00:00").getTime();
    const jobs = parseLsfQueue(fixture("bjobs-queue.json"), now)!;
    expect(jobs.map((j) => [j.jobId, j.state, j.reason])).toEqual([
      ["101", "PENDING", "New job is waiting for scheduling;"],
      ["102", "PENDING", "DependencyNeverSatisfied"],
      ["103", "FAILED", undefined],
      ["104[7]", "RUNNING", undefined],
    ]);
    expect(jobs[0]).toMatchObject({
      name: "train",
      limitMs: 3_600_000,
      stdout: "/home/alice/train.101.out",
      submittedAt: new Date("2026-12-01T09:00:00").getTime(),
    });
    expect(jobs[2]).toMatchObject({
      exitCode: 3,
      startedAt: new Date("2026-12-01T08:10:00").getTime(),
      endedAt: new Date("2026-12-01T08:40:00").getTime(),
    });
    expect(jobs[3]).toMatchObject({ arrayJobId: "104", arrayTaskId: "7", name: "sweep" });
  });
});
