// What `scontrol show job -o` says about a job: one line per job or array task.

export interface JobRecord {
  /** "42", or "40_3" for an array task ("40_[5-24]" while those wait). */
  jobId: string;
  state: string;
  /** "code:signal", e.g. "0:0", "143:0", "0:15". */
  exitCode: string;
  raw: string;
}

/** States a job does not leave. */
export const TERMINAL = new Set([
  "COMPLETED",
  "CANCELLED",
  "FAILED",
  "TIMEOUT",
  "NODE_FAIL",
  "PREEMPTED",
  "OUT_OF_MEMORY",
  "BOOT_FAIL",
  "DEADLINE",
]);

export function jobRecords(output: string): JobRecord[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("JobId="))
    .map((raw) => {
      const field = (key: string) => new RegExp(`(?:^| )${key}=(\\S*)`).exec(raw)?.[1] ?? "";
      const array = field("ArrayJobId");
      const jobId = array ? `${array}_${field("ArrayTaskId")}` : field("JobId");
      return { jobId, state: field("JobState"), exitCode: field("ExitCode"), raw };
    });
}
