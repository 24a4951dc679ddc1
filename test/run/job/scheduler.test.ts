import { describe, expect, test } from "bun:test";
import { lsfLimit } from "../../../src/scheduler/lsf.ts";
import { pbsLimit } from "../../../src/scheduler/pbs.ts";
import {
  parseScontrol,
  parseSlurmDuration,
  parseSqueueJson,
  parseSqueueLimit,
} from "../../../src/scheduler/slurm-parse.ts";
import { formatLimit } from "../../../src/scheduler/units.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;

describe("the time limit", () => {
  test("Slurm's durations as squeue writes them; UNLIMITED and the like are none", () => {
    expect(parseSlurmDuration("1:00")).toBe(MIN);
    expect(parseSlurmDuration("59:30")).toBe(59 * MIN + 30_000);
    expect(parseSlurmDuration("1:00:00")).toBe(HOUR);
    expect(parseSlurmDuration("2-00:00:00")).toBe(48 * HOUR);
    expect(parseSlurmDuration("1-12")).toBe(36 * HOUR);
    expect(parseSlurmDuration("90")).toBe(90 * MIN);
    for (const none of ["UNLIMITED", "NOT_SET", "INVALID", "", "N/A"]) expect(parseSlurmDuration(none)).toBeUndefined();
  });

  test("as --time takes it", () => {
    expect(formatLimit(MIN)).toBe("0:01:00");
    expect(formatLimit(12 * HOUR)).toBe("12:00:00");
    expect(formatLimit(50 * HOUR + 30_000)).toBe("2-02:00:30");
  });

  test("squeue -o '%e|%l' (Slurm 22.05): the end in the machine's time and the limit", () => {
    expect(parseSqueueLimit("2026-12-01T23:47:11|1:00\n")).toEqual({
      endsAt: new Date(2026, 11, 1, 23, 47, 11).getTime(),
      limitMs: MIN,
    });
    expect(parseSqueueLimit("N/A|UNLIMITED\n")).toBeUndefined();
    // No limit is none, whether squeue says UNLIMITED or a year.
    expect(parseSqueueLimit("2027-12-01T23:47:11|UNLIMITED")).toBeUndefined();
    expect(parseSqueueLimit("2027-12-01T23:47:11|365-00:00:00")).toBeUndefined();
    expect(parseSqueueLimit(undefined)).toBeUndefined();
  });

  test("PBS's qstat -f: walltime from the start (PBS Pro's stime, Torque's start_time)", () => {
    const pro =
      "Job Id: 55.server\n    Job_Name = sim\n    Resource_List.walltime = 02:00:00\n    stime = Tue Dec  1 10:00:00 2026\n";
    const start = Date.parse("Tue Dec  1 10:00:00 2026");
    expect(pbsLimit(pro)).toEqual({ endsAt: start + 2 * HOUR, limitMs: 2 * HOUR });
    const torque =
      "Job Id: 56.torque\n    start_time = Tue Dec  1 10:00:00 2026\n    Resource_List.walltime = 100:00:00\n";
    expect(pbsLimit(torque)?.limitMs).toBe(100 * HOUR);
    expect(pbsLimit("Job Id: 57\n    job_state = Q\n")).toBeUndefined();
  });

  test("LSF's bjobs -o 'start_time runtimelimit' -hms -json: a start without its year, a limit with its host", () => {
    const now = new Date(2026, 11, 1, 12, 0, 0).getTime();
    const json = JSON.stringify({
      COMMAND: "bjobs",
      JOBS: 1,
      RECORDS: [{ START_TIME: "Dec  1 10:00", RUNTIMELIMIT: "01:00:00/hostA" }],
    });
    const start = new Date(2026, 11, 1, 10, 0, 0).getTime();
    expect(lsfLimit(json, now)).toEqual({ endsAt: start + HOUR, limitMs: HOUR });
    const newYear = new Date(2027, 0, 1, 1, 0, 0).getTime();
    const december = JSON.stringify({ RECORDS: [{ START_TIME: "Dec 31 23:00 L", RUNTIMELIMIT: "04:00:00" }] });
    expect(lsfLimit(december, newYear)?.endsAt).toBe(new Date(2026, 11, 31, 23, 0, 0).getTime() + 4 * HOUR);
    expect(lsfLimit("not json", now)).toBeUndefined();
  });
});

describe("the job's state when a SIGTERM comes", () => {
  test("scontrol show job -o: state, reason and restarts", () => {
    const line =
      "JobId=2 JobName=probe2 UserId=root(0) JobState=COMPLETING Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1";
    expect(parseScontrol(`${line}\n`)).toEqual({ state: "COMPLETING", states: ["COMPLETING"], restarts: 0 });
    const timeout = "JobId=1 JobName=probe JobState=TIMEOUT Reason=TimeLimit Dependency=(null) Restarts=0";
    expect(parseScontrol(timeout)).toEqual({ state: "TIMEOUT", states: ["TIMEOUT"], reason: "TimeLimit", restarts: 0 });
    expect(parseScontrol("slurm_load_jobs error: Invalid job id specified\n")).toBeUndefined();
  });

  test("squeue --json: 22.05's one state, and newer Slurm's base state beside COMPLETING", () => {
    const old = JSON.stringify({
      jobs: [{ job_id: 2, job_state: "COMPLETING", state_reason: "None", restart_cnt: 0 }],
    });
    expect(parseSqueueJson(old)).toEqual({ state: "COMPLETING", states: ["COMPLETING"], restarts: 0 });
    // Seen on 22.05 while Slurm cancelled the job: the base state alone, which says nothing of the ending.
    const base = JSON.stringify({ jobs: [{ job_state: "RUNNING", restart_cnt: 0 }] });
    expect(parseSqueueJson(base)).toEqual({ state: "", states: ["RUNNING"], restarts: 0 });
    const newer = JSON.stringify({
      jobs: [{ job_state: ["CANCELLED", "COMPLETING"], state_reason: "None", restart_cnt: 1 }],
    });
    expect(parseSqueueJson(newer)).toEqual({ state: "COMPLETING", states: ["CANCELLED", "COMPLETING"], restarts: 1 });
    expect(parseSqueueJson(JSON.stringify({ jobs: [] }))).toBeUndefined();
    expect(parseSqueueJson("squeue: error")).toBeUndefined();
  });
});
