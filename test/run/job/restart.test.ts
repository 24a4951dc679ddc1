import { expect, test } from "bun:test";
import { restartFrom } from "../../../src/run/job/restart.ts";
import { parseSacctRuns as sacctRuns } from "../../../src/scheduler/slurm-parse.ts";

const parseSacctRuns = (output: string | undefined) =>
  restartFrom(output === undefined ? undefined : sacctRuns(output));

test("sacct --duplicates: the first run's start, and how the run before this one ended", () => {
  const first = new Date(2026, 11, 1, 10, 0, 0).getTime();
  expect(parseSacctRuns("2026-12-01T10:00:00|NODE_FAIL\n2026-12-01T10:20:00|RUNNING\n")).toEqual({
    firstStartAt: first,
    after: "a node failure",
  });
  expect(
    parseSacctRuns("2026-12-01T10:00:00|PREEMPTED\n2026-12-01T10:05:00|REQUEUED\n2026-12-01T10:20:00|RUNNING\n"),
  ).toEqual({ firstStartAt: first });
  expect(parseSacctRuns("2026-12-01T10:00:00|CANCELLED by 0\nUnknown|PENDING")).toEqual({ firstStartAt: first });
  // This run alone, or no accounting: nothing known.
  expect(parseSacctRuns("2026-12-01T10:20:00|RUNNING\n")).toBeUndefined();
  expect(parseSacctRuns(undefined)).toBeUndefined();
});
