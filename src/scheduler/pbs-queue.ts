/**
 * PBS's queue for `mmn watch`: `qstat -f -F json -x -t` (PBS Pro 14.1 on, OpenPBS): every job
 * named, finished ones too (-x, while job_history_duration keeps them), each subjob of an
 * array (-t). Its documented shape: {"timestamp":…, "pbs_version":"14.1", "pbs_server":"vbox",
 * "Jobs":{"1.vbox":{"Job_Name":"STDIN","job_state":"Q","Resource_List":{"walltime":"01:00:00"},…}}}.
 * Not run against a real PBS: read from that documentation.
 */
import { compact, type QueuedJob } from "./scheduler.ts";
import { parseHms } from "./units.ts";

/** job_state in Slurm's words; F (finished) and X (a finished subjob) by their exit status. */
const STATES: Record<string, string> = {
  Q: "PENDING",
  W: "PENDING",
  T: "PENDING",
  H: "PENDING",
  R: "RUNNING",
  B: "RUNNING",
  S: "SUSPENDED",
  U: "SUSPENDED",
  E: "COMPLETING",
};

/** `qstat -x -t -u USER` (the default display): its first column, the jobs' ids. */
export function parsePbsIds(output: string | undefined): string[] | undefined {
  if (output === undefined) return undefined;
  return output.split("\n").flatMap((line) => {
    const id = /^(\d+(?:\[\d*\])?(?:\.[\w.-]+)?)\s/.exec(`${line.trim()} `)?.[1];
    return id ? [id] : [];
  });
}

export function parsePbsQueue(output: string | undefined): QueuedJob[] | undefined {
  let jobs: Record<string, Record<string, unknown>>;
  try {
    const parsed = JSON.parse(output ?? "") as { Jobs?: Record<string, Record<string, unknown>> };
    jobs = parsed.Jobs ?? {};
  } catch {
    return undefined;
  }
  const listed: QueuedJob[] = [];
  for (const [jobId, job] of Object.entries(jobs)) {
    if (!job || typeof job !== "object") continue;
    // An array's own entry ("56[].pbs01") stands for its subjobs, which -t lists.
    if (/\[\]/.test(jobId)) continue;
    const text = (name: string) => {
      const value = job[name];
      return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
    };
    const nested = (group: string, name: string) => {
      const value = (job[group] as Record<string, unknown> | undefined)?.[name] ?? job[`${group}.${name}`];
      return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
    };
    const letter = text("job_state") ?? "";
    const status = Number(text("Exit_status"));
    const ended = letter === "F" || letter === "X";
    const state = ended ? (Number.isInteger(status) && status === 0 ? "COMPLETED" : "FAILED") : STATES[letter];
    if (!state) continue;
    const subjob = /^(\d+)\[(\d+)\](.*)$/.exec(jobId);
    const time = (name: string) => {
      const at = Date.parse(text(name) ?? "");
      return Number.isFinite(at) ? at : undefined;
    };
    const held = letter === "H" ? `held (Hold_Types=${text("Hold_Types") ?? "?"})` : undefined;
    const walltime = nested("Resource_List", "walltime");
    const output = text("Output_Path");
    listed.push(
      compact({
        jobId,
        arrayJobId: subjob ? `${subjob[1]}[]${subjob[3]}` : undefined,
        arrayTaskId: subjob?.[2],
        name: text("Job_Name") ?? "",
        state,
        reason: held ?? text("comment"),
        submittedAt: time("qtime") ?? time("ctime"),
        startedAt: time("stime"),
        endedAt: ended ? (time("obittime") ?? time("mtime")) : undefined,
        limitMs: walltime ? parseHms(walltime) : undefined,
        exitCode: ended && Number.isInteger(status) && status >= 0 && status < 256 ? status : undefined,
        signal: ended && status >= 256 ? status - 256 : undefined,
        // "host:/path": the path on the host that ran the job, shared with this one or not.
        stdout: output?.replace(/^[^/:]*:/, ""),
      }),
    );
  }
  return listed;
}
