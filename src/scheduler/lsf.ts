import { ask } from "./ask.ts";
import { LSF_QUEUE_FIELDS, parseLsfQueue } from "./lsf-queue.ts";
import {
  type Accounting,
  bracketed,
  compact,
  digits,
  envValue,
  type JobContext,
  type JobState,
  positive,
  type Scheduler,
  type TimeLimit,
} from "./scheduler.ts";
import { parseHms, parseMemory } from "./units.ts";

/**
 * IBM Spectrum LSF: its LSB_* environment; `bjobs -json -o` for the time limit, the state and,
 * while bjobs still lists a finished job (CLEAN_PERIOD, an hour by default), its accounting.
 */

const LIMIT_QUERY_MS = 5000;

export const lsf: Scheduler = {
  kind: "lsf",
  words: {
    name: "LSF",
    queue: "Queue",
    cluster: "Cluster",
    stoppers: "LSF or bkill",
    signalSenders: "bkill -s or kill",
    cancel: "bkill",
  },
  // STAT is RUN until the job has ended, whoever ends it.
  explainsSignals: false,

  current(env) {
    const get = (name: string) => envValue(env, name);
    const jobId = get("LSB_JOBID");
    if (!jobId) return undefined;
    // LSF sets LSB_JOBINDEX to 0 for jobs that are not part of an array.
    const index = get("LSB_JOBINDEX");
    return compact({
      scheduler: "lsf",
      jobId,
      jobName: get("LSB_JOBNAME"),
      arrayTaskId: index && index !== "0" ? index : undefined,
      queue: get("LSB_QUEUE"),
      nodes: get("LSB_HOSTS") ?? get("LSB_MCPU_HOSTS"),
    });
  },

  // bkill signals the job's process group, as far as LSF's documentation says: not checked on a real LSF.
  mainProcess: (env) => (envValue(env, "LSB_JOBID") ? "not-checked" : "not-batch"),

  arrayTask(env) {
    const taskId = envValue(env, "LSB_JOBINDEX");
    const arrayId = envValue(env, "LSB_JOBID");
    if (!arrayId || !taskId || taskId === "0") return undefined;
    const count = digits(envValue(env, "LSB_JOBINDEX_END"));
    // An array task's LSB_JOBNAME is "sweep[7]".
    return { arrayId, taskId, count, name: envValue(env, "LSB_JOBNAME")?.replace(/\[.*\]$/, "") };
  },

  allocated(env) {
    return compact({ cpus: positive(env.LSB_DJOB_NUMPROC) });
  },

  idText: bracketed,

  installed: () => Boolean(Bun.which("bjobs")),

  async job(jobId, timeoutMs) {
    return lsfJob(await ask(["bjobs", "-o", "jobid job_name queue exec_host jobindex", "-json", jobId], timeoutMs));
  },

  async timeLimit(jobId) {
    return lsfLimit(await ask(["bjobs", "-o", "start_time runtimelimit", "-hms", "-json", jobId], LIMIT_QUERY_MS));
  },

  async state(jobId, timeoutMs) {
    return lsfState(await ask(["bjobs", "-o", "stat pend_reason exit_reason", "-json", jobId], timeoutMs));
  },

  /** -a keeps the jobs that ended a moment ago; without ids, bjobs lists the user's own. */
  async queue(jobs, timeoutMs) {
    const base = ["bjobs", "-a", "-hms", "-json", "-o", LSF_QUEUE_FIELDS];
    // A job bjobs no longer knows fails the question when named: the user's jobs are asked for instead.
    const named = jobs === "mine" ? undefined : parseLsfQueue(await ask([...base, ...jobs], timeoutMs));
    if (named || jobs === "mine") return named ?? parseLsfQueue(await ask(base, timeoutMs));
    const wanted = new Set(jobs);
    return parseLsfQueue(await ask(base, timeoutMs))?.filter(
      (job) => wanted.has(job.jobId) || wanted.has(job.arrayJobId ?? ""),
    );
  },

  // A requeued LSF job's earlier runs are in bhist -l, as prose.
  earlierRuns: async () => undefined,

  async accounting(jobId, timeoutMs) {
    const fields = "stat exit_code exit_reason start_time finish_time run_time cpu_used max_mem";
    return lsfAccounting(await ask(["bjobs", "-o", fields, "-hms", "-json", jobId], timeoutMs));
  },
};

/** The first record of `bjobs -json`: {"COMMAND":"bjobs","JOBS":1,"RECORDS":[{"STAT":"RUN",…}]}. */
function record(output: string | undefined): Record<string, string> | undefined {
  let first: Record<string, unknown> | undefined;
  try {
    first = (JSON.parse(output ?? "") as { RECORDS?: Array<Record<string, unknown>> }).RECORDS?.[0];
  } catch {
    return undefined;
  }
  if (!first || typeof first !== "object") return undefined;
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(first)) if (typeof value === "string") strings[key] = value.trim();
  return strings;
}

/** "Dec  1 23:46" (bjobs gives no year: this one, or last year's for a December seen in January); "L" or "E" after it. */
function parseLsfTime(text: string | undefined, now: number): number | undefined {
  const bare = (text ?? "").replace(/\s+[A-Z]$/, "");
  // Not started ("-", or no field): no time, where Date.parse would take the year alone.
  if (!/^[A-Z][a-z]{2}\s+\d{1,2}\s+\d{1,2}:\d\d(?::\d\d)?$/.test(bare)) return undefined;
  let at = Date.parse(`${bare} ${new Date(now).getFullYear()}`);
  if (at > now + 86_400_000) at = Date.parse(`${bare} ${new Date(now).getFullYear() - 1}`);
  return Number.isFinite(at) ? at : undefined;
}

/** `bjobs -o "jobid job_name queue exec_host jobindex" -json`; EXEC_HOST is "4*hostA:4*hostB". */
export function lsfJob(output: string | undefined): JobContext | undefined {
  const r = record(output);
  if (!r?.JOBID) return undefined;
  const hosts = r.EXEC_HOST?.split(":").map((slot) => slot.replace(/^\d+\*/, ""));
  return compact({
    scheduler: "lsf",
    jobId: r.JOBID,
    jobName: r.JOB_NAME?.replace(/\[.*\]$/, "") || undefined,
    arrayTaskId: r.JOBINDEX && r.JOBINDEX !== "0" ? r.JOBINDEX : undefined,
    queue: r.QUEUE || undefined,
    nodes: hosts?.filter(Boolean).length ? [...new Set(hosts.filter(Boolean))].join(",") : undefined,
  });
}

/** `bjobs -o "start_time runtimelimit" -hms -json`: "Dec  1 23:46" and "01:00:00[/host]". */
export function lsfLimit(output: string | undefined, now = Date.now()): TimeLimit | undefined {
  const r = record(output);
  const limitMs = r?.RUNTIMELIMIT !== undefined ? parseHms(r.RUNTIMELIMIT.split("/")[0]!) : undefined;
  const start = parseLsfTime(r?.START_TIME, now);
  if (limitMs === undefined || start === undefined) return undefined;
  return { endsAt: start + limitMs, limitMs };
}

/** bjobs' STAT in Slurm's words. */
const STATES: Record<string, string> = {
  PEND: "PENDING",
  WAIT: "PENDING",
  RUN: "RUNNING",
  PROV: "RUNNING",
  PSUSP: "SUSPENDED",
  USUSP: "SUSPENDED",
  SSUSP: "SUSPENDED",
  DONE: "COMPLETED",
  EXIT: "FAILED",
};

/** `bjobs -o "stat pend_reason exit_reason" -json`. */
export function lsfState(output: string | undefined): JobState | undefined {
  const r = record(output);
  if (!r?.STAT) return undefined;
  const state = STATES[r.STAT] ?? r.STAT;
  const reason = r.PEND_REASON || r.EXIT_REASON;
  return { state, states: [state], ...(reason ? { reason } : {}) };
}

/** `bjobs -o "stat exit_code exit_reason start_time finish_time run_time cpu_used max_mem" -hms -json` of an ended job. */
export function lsfAccounting(output: string | undefined, now = Date.now()): Accounting | undefined {
  const r = record(output);
  if (r?.STAT !== "DONE" && r?.STAT !== "EXIT") return undefined;
  const code = /^\d+$/.test(r.EXIT_CODE ?? "") ? Number(r.EXIT_CODE) : undefined;
  const cpu = parseHms(r.CPU_USED ?? "");
  return compact({
    state: (r.STAT === "EXIT" && endedBy(r.EXIT_REASON ?? "")) || STATES[r.STAT]!,
    reason: r.EXIT_REASON || undefined,
    exitCode: code ?? (r.STAT === "DONE" ? 0 : undefined),
    startedAt: parseLsfTime(r.START_TIME, now),
    endedAt: parseLsfTime(r.FINISH_TIME, now),
    elapsedMs: parseHms(r.RUN_TIME ?? ""),
    cpuSeconds: cpu === undefined ? undefined : cpu / 1000,
    // "120 Mbytes", "1.2 Gbytes"
    maxMemory: parseMemory(r.MAX_MEM?.replace(/ ?bytes$/i, ""), 1),
  });
}

/** LSF's termination reasons (the keyword, or its words as bjobs shows them) that Slurm has a state for. */
const ENDINGS: Array<[RegExp, string]> = [
  [/TERM_RUNLIMIT|run time limit/i, "TIMEOUT"],
  [/TERM_MEMLIMIT|memory usage limit/i, "OUT_OF_MEMORY"],
  [/TERM_PREEMPT|after preemption/i, "PREEMPTED"],
  [/TERM_(?:FORCE_)?(?:OWNER|ADMIN)\b|killed by (?:owner|root or LSF administrator)/i, "CANCELLED"],
];

function endedBy(reason: string): string | undefined {
  return ENDINGS.find(([pattern]) => pattern.test(reason))?.[1];
}
