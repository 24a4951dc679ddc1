/**
 * LSF's queue for `mmn watch`: `bjobs -a -hms -json -o "…"` (LSF 10.1 on): the user's jobs,
 * finished ones too (-a, for CLEAN_PERIOD), each element of an array as a record of its own
 * ("JOBID":"1234", "JOBINDEX":"7"). Its documented shape: {"COMMAND":"bjobs","JOBS":1,
 * "RECORDS":[{"JOBID":"1234","STAT":"RUN",…}]}. Not run against a real LSF: read from IBM's
 * documentation of -json and -o.
 */
import { compact, type QueuedJob } from "./scheduler.ts";
import { parseHms } from "./units.ts";

/** What `queue` asks bjobs for, by the -o field names. */
export const LSF_QUEUE_FIELDS =
  "jobid jobindex job_name stat pend_reason exit_reason exit_code submit_time start_time finish_time runtimelimit output_file";

const STATES: Record<string, string> = {
  PEND: "PENDING",
  WAIT: "PENDING",
  PSUSP: "PENDING",
  RUN: "RUNNING",
  PROV: "RUNNING",
  USUSP: "SUSPENDED",
  SSUSP: "SUSPENDED",
  DONE: "COMPLETED",
  EXIT: "FAILED",
  ZOMBI: "FAILED",
  UNKWN: "RUNNING",
};

/** bjobs' times carry no year: "Dec  1 23:46" is this year's, or last year's for a December seen in January. */
function lsfTime(text: string | undefined, now: number): number | undefined {
  const bare = (text ?? "").replace(/\s+[A-Z]$/, "");
  if (!/^[A-Z][a-z]{2}\s+\d{1,2}\s+\d{1,2}:\d\d(?::\d\d)?$/.test(bare)) return undefined;
  let at = Date.parse(`${bare} ${new Date(now).getFullYear()}`);
  if (at > now + 86_400_000) at = Date.parse(`${bare} ${new Date(now).getFullYear() - 1}`);
  return Number.isFinite(at) ? at : undefined;
}

export function parseLsfQueue(output: string | undefined, now = Date.now()): QueuedJob[] | undefined {
  let records: Array<Record<string, unknown>>;
  try {
    records = (JSON.parse(output ?? "") as { RECORDS?: Array<Record<string, unknown>> }).RECORDS ?? [];
  } catch {
    return undefined;
  }
  return records.flatMap((record) => {
    if (!record || typeof record !== "object") return [];
    const get = (name: string) => (typeof record[name] === "string" ? (record[name] as string).trim() : undefined);
    const id = get("JOBID");
    const stat = get("STAT") ?? "";
    const state = STATES[stat];
    // A record bjobs could not find ("Job <99> is not found") has an ERROR and no STAT.
    if (!id || !/^\d+$/.test(id) || !state) return [];
    const index = get("JOBINDEX");
    const task = index && index !== "0" ? index : undefined;
    const pending = get("PEND_REASON");
    const reason =
      stat === "PSUSP"
        ? "held (PSUSP)"
        : pending && /never (be )?satisfied/i.test(pending)
          ? "DependencyNeverSatisfied"
          : pending || get("EXIT_REASON") || undefined;
    const code = get("EXIT_CODE");
    const limit = get("RUNTIMELIMIT")?.split("/")[0];
    return [
      compact({
        jobId: task ? `${id}[${task}]` : id,
        arrayJobId: task ? id : undefined,
        arrayTaskId: task,
        name: (get("JOB_NAME") ?? "").replace(/\[\d+\]$/, ""),
        state,
        reason,
        submittedAt: lsfTime(get("SUBMIT_TIME"), now),
        startedAt: lsfTime(get("START_TIME"), now),
        endedAt: lsfTime(get("FINISH_TIME"), now),
        limitMs: limit ? parseHms(limit) : undefined,
        exitCode: code && /^\d+$/.test(code) ? Number(code) : stat === "DONE" ? 0 : undefined,
        stdout: get("OUTPUT_FILE") || undefined,
      }),
    ];
  });
}
