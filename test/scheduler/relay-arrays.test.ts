import { describe, expect, test } from "bun:test";
import { threadOf } from "../../src/relay/never-run.ts";
import {
  parseNeverSatisfied,
  parseSacctTasks,
  parseScontrolCommand,
  parseScontrolTasks,
  parseSqueueArrays,
} from "../../src/scheduler/slurm-parse.ts";

// What the relay reads of Slurm's answers to close an array's board and to find the steps of a
// chain that will never run (the documented formats), and the --thread of a step's script.

describe("Slurm's answers for the relay", () => {
  test("squeue -r -o %i|%T: which tasks of each array are not over; a job of no array left out", () => {
    expect(parseSqueueArrays("5000_4|PENDING\n5000_3|RUNNING\n4999_1|RUNNING\n4998|RUNNING\n\nbroken\n")).toEqual(
      new Map([
        ["5000", new Set(["4", "3"])],
        ["4999", new Set(["1"])],
      ]),
    );
    expect(parseSqueueArrays("")).toEqual(new Map());
    expect(parseSqueueArrays(undefined)).toBeUndefined();
  });

  test("sacct -X -j ARRAY -o JobID,State: each task's state; a range that never ran left out", () => {
    expect(
      parseSacctTasks(
        "5000",
        "5000_1|COMPLETED\n5000_3|CANCELLED by 1000\n5000_[4-20]|CANCELLED by 1000\n6000_2|FAILED\n",
      ),
    ).toEqual(
      new Map([
        ["1", "COMPLETED"],
        ["3", "CANCELLED"],
      ]),
    );
  });

  test("scontrol show job -o ARRAY: each task's state where there is no accounting; the pending range and other arrays left out", () => {
    const shown = [
      "JobId=5003 JobName=sweep ArrayJobId=5000 ArrayTaskId=3 UserId=a(1000) JobState=NODE_FAIL Reason=NodeDown",
      "JobId=5000 ArrayJobId=5000 ArrayTaskId=4-20 JobState=PENDING Reason=None",
      "JobId=6002 ArrayJobId=6000 ArrayTaskId=2 JobState=FAILED",
      "JobId=5001 ArrayJobId=5000 ArrayTaskId=1 JobState=RUNNING",
    ].join("\n");
    expect(parseScontrolTasks("5000", shown)).toEqual(
      new Map([
        ["3", "NODE_FAIL"],
        ["1", "RUNNING"],
      ]),
    );
    expect(parseScontrolTasks("5000", undefined)).toBeUndefined();
  });

  test("squeue -t PD -o %A|%r|%j: only DependencyNeverSatisfied; scontrol's Command=", () => {
    expect(parseNeverSatisfied("6002|DependencyNeverSatisfied|step|2\n6004|Dependency|step3\n")).toEqual([
      { jobId: "6002", name: "step|2" },
    ]);
    expect(parseScontrolCommand("JobId=6 JobName=x Command=/home/a/step2.sh --x WorkDir=/home/a StdErr=/e")).toBe(
      "/home/a/step2.sh --x",
    );
    expect(parseScontrolCommand("JobId=6 Command=(null) WorkDir=/")).toBeUndefined();
  });

  test("a step's --thread, read from its script: either spelling, quoted; none where mmn does not run", () => {
    expect(threadOf("#!/bin/sh\nexec mmn run --thread chain -- ./step2.sh\n")).toBe("chain");
    expect(threadOf("mmn run -c hpc --thread='sweep-7' -- x")).toBe("sweep-7");
    expect(threadOf("#!/bin/sh\n./other.sh --thread x\n")).toBeUndefined();
    expect(threadOf("mmn run --thread ../../etc -- x")).toBeUndefined();
  });
});
