import { userInfo } from "node:os";
import { ask } from "./ask.ts";
import { parsePbsIds, parsePbsQueue } from "./pbs-queue.ts";
import {
  type Accounting,
  bracketed,
  compact,
  envValue,
  type JobContext,
  type JobState,
  positive,
  type Scheduler,
  type TimeLimit,
} from "./scheduler.ts";
import { parseHms, parseMemory } from "./units.ts";

/**
 * PBS (PBS Pro, OpenPBS, Torque): its PBS_* environment; `qstat -f` for the time limit and the
 * state, `qstat -x -f` (PBS Pro keeps finished jobs for job_history_duration) for accounting.
 */

const LIMIT_QUERY_MS = 5000;

export const pbs: Scheduler = {
  kind: "pbs",
  words: {
    name: "PBS",
    queue: "Queue",
    cluster: "Server",
    stoppers: "PBS or qdel",
    signalSenders: "qsig or kill",
    cancel: "qdel",
  },
  // job_state says E (exiting) whoever ended the job: it tells no more than the signal did.
  explainsSignals: false,

  current(env) {
    const get = (name: string) => envValue(env, name);
    const jobId = get("PBS_JOBID");
    if (!jobId) return undefined;
    // Torque names the array index PBS_ARRAYID, PBS Pro PBS_ARRAY_INDEX.
    const taskId = get("PBS_ARRAYID") ?? get("PBS_ARRAY_INDEX");
    return compact({
      scheduler: "pbs",
      jobId,
      jobName: get("PBS_JOBNAME"),
      arrayJobId: taskId ? get("PBS_ARRAY_ID") : undefined,
      arrayTaskId: taskId,
      queue: get("PBS_QUEUE"),
      cluster: get("PBS_SERVER"),
    });
  },

  // qdel signals the job's whole session, as far as PBS's documentation says: not checked on a real PBS.
  mainProcess: (env) => (envValue(env, "PBS_JOBID") ? "not-checked" : "not-batch"),

  arrayTask(env) {
    const taskId = envValue(env, "PBS_ARRAY_INDEX") ?? envValue(env, "PBS_ARRAYID");
    // The array's own id is PBS_ARRAY_ID; else the task's with its index emptied ("56[2].pbs" → "56[].pbs").
    const arrayId = envValue(env, "PBS_ARRAY_ID") ?? envValue(env, "PBS_JOBID")?.replace(/\[\d+\]/, "[]");
    if (!taskId || !arrayId) return undefined;
    return { arrayId, taskId, count: undefined, name: envValue(env, "PBS_JOBNAME") };
  },

  allocated(env) {
    // PBS Pro names it NCPUS, Torque counts the slots of this node in PBS_NUM_PPN.
    const cpus = positive(env.PBS_NCPUS) ?? positive(env.NCPUS) ?? positive(env.PBS_NUM_PPN);
    return compact({ cpus });
  },

  idText: bracketed,

  installed: () => Boolean(Bun.which("qstat")),

  async job(jobId, timeoutMs) {
    return pbsJob(await ask(["qstat", "-f", jobId], timeoutMs));
  },

  async timeLimit(jobId) {
    return pbsLimit(await ask(["qstat", "-f", jobId], LIMIT_QUERY_MS));
  },

  async state(jobId, timeoutMs) {
    return pbsState(await ask(["qstat", "-f", jobId], timeoutMs));
  },

  /** The jobs named, else the user's (their ids from the default display, then the details of those). */
  async queue(jobs, timeoutMs) {
    const full = (ids: readonly string[]) => ask(["qstat", "-f", "-F", "json", "-x", "-t", ...ids], timeoutMs);
    if (jobs !== "mine") {
      const named = parsePbsQueue(await full(jobs));
      if (named) return named;
    }
    const user = process.env.USER ?? userInfo().username;
    const mine = parsePbsIds(await ask(["qstat", "-x", "-t", "-u", user], timeoutMs));
    if (!mine) return undefined;
    if (!mine.length) return [];
    const listed = parsePbsQueue(await full(mine));
    if (jobs === "mine" || !listed) return listed;
    const wanted = new Set(jobs);
    return listed.filter((job) => wanted.has(job.jobId) || wanted.has(job.arrayJobId ?? ""));
  },

  // PBS does not requeue a job under the same id with its earlier runs kept.
  earlierRuns: async () => undefined,

  async accounting(jobId, timeoutMs) {
    return pbsAccounting(await ask(["qstat", "-x", "-f", jobId], timeoutMs));
  },
};

/**
 * `qstat -f`'s indented "name = value" lines; a long value goes on in lines that start with a tab
 * (PBS Pro) or fewer spaces (Torque).
 */
function qstatFields(output: string | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of (output ?? "").split("\n")) {
    const match = /^\s+([\w.]+) = (.*)$/.exec(line);
    if (match) fields.set((last = match[1]!), match[2]!.trim());
    else if (last && /^\s/.test(line) && line.trim()) fields.set(last, fields.get(last)! + line.trim());
  }
  return fields;
}

/** `qstat -f`: "Job Id: 56[2].pbs01", Job_Name, queue, server, array_index (PBS Pro), exec_host's hosts. */
export function pbsJob(output: string | undefined): JobContext | undefined {
  const jobId = /^Job Id: (\S+)/m.exec(output ?? "")?.[1];
  if (!jobId) return undefined;
  const fields = qstatFields(output);
  const hosts = fields
    .get("exec_host")
    ?.split("+")
    .map((slot) => slot.split("/")[0]);
  return compact({
    scheduler: "pbs",
    jobId,
    jobName: fields.get("Job_Name"),
    arrayTaskId: fields.get("array_index"),
    queue: fields.get("queue"),
    cluster: fields.get("server"),
    nodes: hosts ? [...new Set(hosts)].join(",") : undefined,
  });
}

/** `qstat -f`: Resource_List.walltime and the start (stime in PBS Pro, start_time in Torque). */
export function pbsLimit(output: string | undefined): TimeLimit | undefined {
  const fields = qstatFields(output);
  const walltime = fields.get("Resource_List.walltime");
  const start = Date.parse(fields.get("stime") ?? fields.get("start_time") ?? "");
  const limitMs = walltime ? parseHms(walltime) : undefined;
  if (limitMs === undefined || !Number.isFinite(start)) return undefined;
  return { endsAt: start + limitMs, limitMs };
}

/** PBS's one-letter job_state in Slurm's words; an ended job's by its exit status. */
const STATES: Record<string, string> = {
  Q: "PENDING",
  W: "PENDING",
  H: "PENDING",
  T: "PENDING",
  R: "RUNNING",
  B: "RUNNING",
  S: "SUSPENDED",
  U: "SUSPENDED",
  E: "COMPLETING",
};

export function pbsState(output: string | undefined): JobState | undefined {
  const fields = qstatFields(output);
  const letter = fields.get("job_state");
  if (!letter) return undefined;
  const state = STATES[letter] ?? ended(fields).state;
  const reason = fields.get("comment");
  return { state, states: [state], ...(reason ? { reason } : {}) };
}

/** `qstat -x -f` of a finished job (job_state F; Torque's C): its exit status, times and resources_used. */
export function pbsAccounting(output: string | undefined): Accounting | undefined {
  const fields = qstatFields(output);
  const letter = fields.get("job_state");
  if (!letter || STATES[letter]) return undefined;
  const time = (name: string) => {
    const at = Date.parse(fields.get(name) ?? "");
    return Number.isFinite(at) ? at : undefined;
  };
  const cput = parseHms(fields.get("resources_used.cput") ?? "");
  return compact({
    ...ended(fields),
    reason: fields.get("comment"),
    startedAt: time("stime") ?? time("start_time"),
    endedAt: time("obittime"),
    elapsedMs: parseHms(fields.get("resources_used.walltime") ?? ""),
    cpuSeconds: cput === undefined ? undefined : cput / 1000,
    maxMemory: parseMemory(fields.get("resources_used.mem"), 1),
  });
}

/**
 * Exit_status (Torque: exit_status): the script's own code; from 256 on (PBS Pro), killed by
 * signal X - 256; below 0, PBS could not run the job (JOB_EXEC_FAIL1 = -1 and the like).
 */
function ended(fields: Map<string, string>): Pick<Accounting, "state" | "exitCode" | "signal"> {
  const raw = fields.get("Exit_status") ?? fields.get("exit_status");
  const status = raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : undefined;
  if (status === undefined) return { state: "COMPLETED" };
  if (status >= 256) return { state: "FAILED", signal: status - 256 };
  return { state: status === 0 ? "COMPLETED" : "FAILED", exitCode: status };
}
