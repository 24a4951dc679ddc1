import { userInfo } from "node:os";
import { ask } from "./ask.ts";
import {
  type Accounting,
  type ArrayMembership,
  bracketed,
  compact,
  digits,
  type EarlierRun,
  envValue,
  type JobContext,
  type JobState,
  positive,
  type Scheduler,
  type TimeLimit,
} from "./scheduler.ts";
import { parseLocalTime, parseMemory } from "./units.ts";

/** Slurm: its SLURM_* environment, squeue and scontrol for the time limit and the state, sacct for accounting. */

/**
 * Slurm's "no limit": squeue's %l says UNLIMITED, or a year ("365-00:00:00"), and from 23.02
 * SLURM_JOB_END_TIME is the start plus a year. None is none, not a limit to show.
 */
const NO_LIMIT_MS = 365 * 86_400_000;
/** How long the time limit's question may take: it runs beside the command and delays nothing. */
const LIMIT_QUERY_MS = 5000;

export const slurm: Scheduler = {
  kind: "slurm",
  words: {
    name: "Slurm",
    queue: "Partition",
    cluster: "Cluster",
    stoppers: "the scheduler or scancel",
    signalSenders: "scancel --signal or kill",
    cancel: "scancel",
    memoryFlag: "--mem=",
  },
  explainsSignals: true,

  current(env) {
    const get = (name: string) => envValue(env, name);
    const jobId = get("SLURM_JOB_ID") ?? get("SLURM_JOBID");
    if (!jobId) return undefined;
    const restarts = Number(get("SLURM_RESTART_COUNT"));
    return compact({
      scheduler: "slurm",
      jobId,
      jobName: get("SLURM_JOB_NAME"),
      arrayJobId: get("SLURM_ARRAY_JOB_ID"),
      arrayTaskId: get("SLURM_ARRAY_TASK_ID"),
      queue: get("SLURM_JOB_PARTITION"),
      cluster: get("SLURM_CLUSTER_NAME"),
      nodes: get("SLURM_JOB_NODELIST") ?? get("SLURM_NODELIST"),
      restarts: restarts > 0 ? restarts : undefined,
    });
  },

  arrayTask(env) {
    const arrayId = envValue(env, "SLURM_ARRAY_JOB_ID");
    const taskId = envValue(env, "SLURM_ARRAY_TASK_ID");
    if (!arrayId || !taskId) return undefined;
    const min = digits(envValue(env, "SLURM_ARRAY_TASK_MIN"));
    const max = digits(envValue(env, "SLURM_ARRAY_TASK_MAX"));
    const count =
      digits(envValue(env, "SLURM_ARRAY_TASK_COUNT")) ??
      (min !== undefined && max !== undefined ? max - min + 1 : undefined);
    return { arrayId, taskId, count, name: envValue(env, "SLURM_JOB_NAME") } satisfies ArrayMembership;
  },

  allocated(env) {
    // --mem is per node; --mem-per-cpu times the CPUs of this node.
    const cpus = positive(env.SLURM_CPUS_ON_NODE) ?? positive(env.SLURM_CPUS_PER_TASK);
    const memory = parseMemory(env.SLURM_MEM_PER_NODE);
    const memoryPerCpu = memory ? undefined : parseMemory(env.SLURM_MEM_PER_CPU);
    const gpus = env.SLURM_JOB_GPUS;
    return compact({ cpus, memory, memoryPerCpu, gpus: gpus && /^[\w:.,-]+$/.test(gpus) ? gpus : undefined });
  },

  idText(job) {
    return job.arrayJobId && job.arrayTaskId ? `${job.arrayJobId}_${job.arrayTaskId}` : bracketed(job);
  },

  installed: () => Boolean(Bun.which("squeue") && Bun.which("scontrol")),

  async job(jobId, timeoutMs) {
    return parseScontrolJob(await ask(["scontrol", "show", "job", "-o", jobId], timeoutMs));
  },

  /** From Slurm 23.02 the environment says it; before, and from outside the job, squeue does. */
  async timeLimit(jobId, env) {
    const end = Number(env?.SLURM_JOB_END_TIME);
    const start = Number(env?.SLURM_JOB_START_TIME);
    if (Number.isFinite(end) && end > 0) {
      const limitMs = Number.isFinite(start) && start > 0 && end > start ? (end - start) * 1000 : undefined;
      if (limitMs !== undefined && limitMs >= NO_LIMIT_MS) return undefined;
      return { endsAt: end * 1000, ...(limitMs !== undefined ? { limitMs } : {}) };
    }
    return parseSqueueLimit(await ask(["squeue", "-h", "-j", jobId, "-o", "%e|%l"], LIMIT_QUERY_MS));
  },

  /**
   * Both asked at once: scontrol is in every Slurm, squeue's JSON (21.08 on) lists, from 23.02,
   * the base state that "COMPLETING" hides. The more telling answer wins.
   */
  async state(jobId, timeoutMs) {
    const [json, text] = await Promise.all([
      ask(["squeue", "--json", "-j", jobId], timeoutMs).then(parseSqueueJson),
      ask(["scontrol", "show", "job", "-o", jobId], timeoutMs).then(parseScontrol),
    ]);
    if (json && text) return { ...text, states: [...new Set([...json.states, ...text.states])] };
    return json ?? text;
  },

  /** squeue lists by default only the jobs that are not over: pending, running, suspended, completing. */
  async activeJobs(timeoutMs) {
    const me = userInfo().username;
    return parseSqueueJobs(await ask(["squeue", "-h", "-u", me, "-o", "%A|%T"], timeoutMs));
  },

  async earlierRuns(jobId, timeoutMs) {
    const output = await ask(["sacct", "--duplicates", "-X", "-n", "-P", "-j", jobId, "-o", "Start,State"], timeoutMs);
    return output === undefined ? undefined : parseSacctRuns(output);
  },

  async accounting(jobId, timeoutMs) {
    const fields = "JobID,State,ExitCode,Start,End,ElapsedRaw,TotalCPU,MaxRSS";
    return parseSacct(await ask(["sacct", "-n", "-P", "-j", jobId, "-o", fields], timeoutMs));
  },
};

/** `squeue -h -o "%A|%T"`: "4242|RUNNING" a line (%A: each array task's own id). */
function parseSqueueJobs(output: string | undefined): Map<string, string> | undefined {
  if (output === undefined) return undefined;
  const jobs = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [id = "", state = ""] = line.trim().split("|");
    if (/^\d+$/.test(id) && state) jobs.set(id, state);
  }
  return jobs;
}

export function parseSqueueLimit(output: string | undefined): TimeLimit | undefined {
  const [end = "", limit = ""] = (output?.trim().split("\n")[0] ?? "").split("|");
  const endsAt = parseLocalTime(end);
  if (endsAt === undefined) return undefined;
  const limitMs = parseSlurmDuration(limit);
  if (limitMs === undefined || limitMs >= NO_LIMIT_MS) return undefined;
  return { endsAt, limitMs };
}

/** "[D-]H:MM:SS", "M:SS" or minutes alone, as Slurm writes a limit; UNLIMITED and the like are none. */
export function parseSlurmDuration(text: string): number | undefined {
  const match = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, days, a, b, c] = match;
  const parts = [a, b, c].filter((p) => p !== undefined).map(Number);
  // Three parts are H:MM:SS; two are M:SS, or H:MM after a day count; one is minutes, or hours after days.
  const [h, m, s] =
    parts.length === 3
      ? parts
      : parts.length === 2
        ? days
          ? [parts[0], parts[1], 0]
          : [0, parts[0], parts[1]]
        : days
          ? [parts[0], 0, 0]
          : [0, parts[0], 0];
  return (((Number(days ?? 0) * 24 + h!) * 60 + m!) * 60 + s!) * 1000;
}

export function parseScontrol(output: string | undefined): JobState | undefined {
  const line = output?.split("\n").find((l) => l.startsWith("JobId="));
  if (!line) return undefined;
  const field = (key: string) => new RegExp(`(?:^| )${key}=(\\S*)`).exec(line)?.[1];
  const state = field("JobState");
  if (!state) return undefined;
  const restarts = Number(field("Restarts"));
  const reason = field("Reason");
  const [code, signal] = exitParts(field("ExitCode"));
  const elapsedMs = parseSlurmDuration(field("RunTime") ?? "");
  return {
    state,
    states: [state],
    ...(reason && reason !== "None" ? { reason } : {}),
    ...(Number.isInteger(restarts) ? { restarts } : {}),
    ...(code !== undefined ? { exitCode: code } : {}),
    ...(signal ? { signal } : {}),
    ...(elapsedMs !== undefined ? { elapsedMs } : {}),
  };
}

/** `scontrol show job -o`'s one line, as JobContext: "JobId=1240 ArrayJobId=1234 ArrayTaskId=6 JobName=train …". */
function parseScontrolJob(output: string | undefined): JobContext | undefined {
  const line = output?.split("\n").find((l) => l.startsWith("JobId="));
  if (!line) return undefined;
  const field = (key: string) => {
    const value = new RegExp(`(?:^| )${key}=(\\S*)`).exec(line)?.[1];
    return value && value !== "(null)" && value !== "N/A" ? value : undefined;
  };
  const restarts = Number(field("Restarts"));
  return compact({
    scheduler: "slurm",
    jobId: field("JobId")!,
    jobName: field("JobName"),
    arrayJobId: field("ArrayJobId"),
    arrayTaskId: field("ArrayTaskId"),
    queue: field("Partition"),
    nodes: field("NodeList"),
    restarts: restarts > 0 ? restarts : undefined,
  });
}

export function parseSqueueJson(output: string | undefined): JobState | undefined {
  let job: Record<string, unknown> | undefined;
  try {
    job = (JSON.parse(output ?? "") as { jobs?: Array<Record<string, unknown>> }).jobs?.[0];
  } catch {
    return undefined;
  }
  if (!job) return undefined;
  const raw = job.job_state;
  const states = (Array.isArray(raw) ? raw : [raw]).filter((s): s is string => typeof s === "string");
  if (!states.length) return undefined;
  const restarts = job.restart_cnt;
  const reason = job.state_reason;
  // 22.05 gives the base state alone, RUNNING while Slurm is ending the job: what is shown is not known then.
  const shown = states.includes("COMPLETING") ? "COMPLETING" : Array.isArray(raw) ? states[0]! : "";
  return {
    state: shown,
    states,
    ...(typeof reason === "string" && reason !== "None" ? { reason } : {}),
    ...(typeof restarts === "number" ? { restarts } : {}),
  };
}

/** `sacct --duplicates -o Start,State`: "2026-12-01T10:00:00|NODE_FAIL\n2026-12-01T10:20:00|RUNNING", oldest first. */
export function parseSacctRuns(output: string): EarlierRun[] {
  return output
    .split("\n")
    .map((line) => line.trim().split("|"))
    .filter((fields) => fields.length >= 2)
    .map(([start = "", state = ""]) => {
      const at = parseLocalTime(start);
      return { ...(at !== undefined ? { start: at } : {}), state: state.split(" ")[0]! };
    });
}

/**
 * `sacct -n -P -o JobID,State,ExitCode,Start,End,ElapsedRaw,TotalCPU,MaxRSS`: the job's own
 * line ("1234|CANCELLED by 1000|0:15|…") and its steps' ("1234.batch|…|123456K"), whose
 * MaxRSS alone is measured.
 */
export function parseSacct(output: string | undefined): Accounting | undefined {
  const rows = (output ?? "")
    .split("\n")
    .map((line) => line.trim().split("|"))
    .filter((fields) => fields.length >= 8);
  const job = rows.find(([id = ""]) => id && !id.includes("."));
  if (!job) return undefined;
  const [, state = "", exit = "", start = "", end = "", elapsed = "", cpu = ""] = job;
  const [code, signal] = exitParts(exit);
  const by = /^\S+ by (\S+)/.exec(state)?.[1];
  const rss = rows.map((row) => parseMemory(row[7], 1) ?? 0);
  const maxMemory = Math.max(0, ...rss);
  return compact({
    state: state.split(" ")[0]!,
    by,
    exitCode: code,
    signal: signal || undefined,
    startedAt: parseLocalTime(start),
    endedAt: parseLocalTime(end),
    elapsedMs: /^\d+$/.test(elapsed) ? Number(elapsed) * 1000 : undefined,
    cpuSeconds: parseCpuTime(cpu),
    maxMemory: maxMemory || undefined,
  });
}

/** Slurm's "0:15": the script's exit code, and the signal that ended it. */
function exitParts(text: string | undefined): [number | undefined, number | undefined] {
  const [code, signal] = (text ?? "").split(":").map((n) => (/^\d+$/.test(n) ? Number(n) : undefined));
  return [code, signal];
}

/** TotalCPU: "[D-][HH:]MM:SS[.mmm]", as "1-02:03:04", "02:03:04" or "03:04.500". */
function parseCpuTime(text: string): number | undefined {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match) return undefined;
  const [, d = "0", h = "0", m = "0", s = "0"] = match;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s);
}
