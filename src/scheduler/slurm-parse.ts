/** What Slurm's commands print, read: squeue, scontrol, sacct (their documented formats). */
import {
  type Accounting,
  compact,
  type EarlierRun,
  type JobContext,
  type JobState,
  type QueuedJob,
  type TimeLimit,
} from "./scheduler.ts";
import { parseLocalTime, parseMemory } from "./units.ts";

/** `squeue -h -o "%A|%T"`: "4242|RUNNING" a line (%A: each array task's own id). */
/**
 * Slurm's "no limit": squeue's %l says UNLIMITED, or a year ("365-00:00:00"), and from 23.02
 * SLURM_JOB_END_TIME is the start plus a year. None is none, not a limit to show.
 */
export const NO_LIMIT_MS = 365 * 86_400_000;

export function parseSqueueJobs(output: string | undefined): Map<string, string> | undefined {
  if (output === undefined) return undefined;
  const jobs = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [id = "", state = ""] = line.trim().split("|");
    if (/^\d+$/.test(id) && state) jobs.set(id, state);
  }
  return jobs;
}

/** `squeue -h -r -o "%i|%T"`: the tasks of each array that are not over ("5000_3|RUNNING"; `-r` lists a pending one alone). */
export function parseSqueueArrays(output: string | undefined): Map<string, Set<string>> | undefined {
  if (output === undefined) return undefined;
  const arrays = new Map<string, Set<string>>();
  for (const line of output.split("\n")) {
    const [id = "", state = ""] = line.trim().split("|");
    const [, array, task] = /^(\d+)_(\d+)$/.exec(id) ?? [];
    if (array && task && state) arrays.set(array, (arrays.get(array) ?? new Set()).add(task));
  }
  return arrays;
}

/** `sacct -n -P -X -j ARRAY -o JobID,State`: "5000_3|CANCELLED by 1000" a line; a range of tasks that never ran ("5000_[8-20]") is left out. */
export function parseSacctTasks(arrayId: string, output: string | undefined): Map<string, string> | undefined {
  if (output === undefined) return undefined;
  const tasks = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [id = "", state = ""] = line.trim().split("|");
    const task = id.startsWith(`${arrayId}_`) ? id.slice(arrayId.length + 1) : "";
    const word = state.split(" ")[0] ?? "";
    if (/^\d+$/.test(task) && /^[A-Z_]+$/.test(word)) tasks.set(task, word);
  }
  return tasks;
}

/** `scontrol show job -o ARRAY` (or `ARRAY_TASK`): "JobId=5003 ArrayJobId=5000 ArrayTaskId=3 JobState=CANCELLED …" a line; pending ranges left out. */
export function parseScontrolTasks(arrayId: string, output: string | undefined): Map<string, string> | undefined {
  if (output === undefined) return undefined;
  const tasks = new Map<string, string>();
  for (const line of output.split("\n")) {
    const field = (key: string) => new RegExp(`(?:^| )${key}=(\\S*)`).exec(line)?.[1] ?? "";
    const [task, state] = [field("ArrayTaskId"), field("JobState")];
    if (field("ArrayJobId") === arrayId && /^\d+$/.test(task) && /^[A-Z_]+$/.test(state)) tasks.set(task, state);
  }
  return tasks;
}

/** `squeue -h -t PD -o "%A|%r|%j"`: the jobs whose reason is DependencyNeverSatisfied. */
export function parseNeverSatisfied(output: string | undefined): Array<{ jobId: string; name: string }> | undefined {
  if (output === undefined) return undefined;
  return output.split("\n").flatMap((line) => {
    const [jobId = "", reason = "", ...name] = line.trim().split("|");
    return /^\d+$/.test(jobId) && reason === "DependencyNeverSatisfied" ? [{ jobId, name: name.join("|") }] : [];
  });
}

/** `scontrol show job -o`'s Command= (the rest of the line is not the command's: it is the last field but a few). */
export function parseScontrolCommand(output: string | undefined): string | undefined {
  const command = / Command=(.*?)(?: WorkDir=| StdErr=| StdIn=| StdOut=|$)/.exec(output ?? "")?.[1];
  return command && command !== "(null)" ? command : undefined;
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
export function parseScontrolJob(output: string | undefined): JobContext | undefined {
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
    stdout: field("StdOut"),
  });
}

/** What `slurmQueue` asks squeue for: the name last, as it may hold the separator. */
export const QUEUE_FORMAT = "%A|%F|%K|%T|%r|%V|%S|%e|%l|%j";

/**
 * `squeue -h -r -t all -o QUEUE_FORMAT`: "4242|4242|N/A|PENDING|Priority|2026-12-01T10:00:00|N/A|N/A|10:00|train"
 * a line; an array's task has its array's id and its index. A pending job's start is the
 * scheduler's guess: left out.
 */
export function parseSqueueQueue(output: string | undefined): QueuedJob[] | undefined {
  if (output === undefined) return undefined;
  return output.split("\n").flatMap((line) => {
    const [
      jobId = "",
      arrayId = "",
      task = "",
      state = "",
      reason = "",
      submit = "",
      start = "",
      end = "",
      limit = "",
      ...name
    ] = line.trim().split("|");
    if (!/^\d+$/.test(jobId) || !/^[A-Z_]+$/.test(state)) return [];
    const array = /^\d+$/.test(task) && /^\d+$/.test(arrayId);
    const limitMs = parseSlurmDuration(limit);
    const startedAt = state === "PENDING" ? undefined : parseLocalTime(start);
    return [
      compact({
        jobId,
        arrayJobId: array ? arrayId : undefined,
        arrayTaskId: array ? task : undefined,
        name: name.join("|"),
        state,
        reason: reason && reason !== "None" ? reason : undefined,
        submittedAt: parseLocalTime(submit),
        startedAt,
        endedAt: startedAt === undefined ? undefined : parseLocalTime(end),
        limitMs: limitMs !== undefined && limitMs < NO_LIMIT_MS ? limitMs : undefined,
      }),
    ];
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
  const [, state = "", exit = "", start = "", end = "", elapsed = "", cpu = "", , cpus = "", reqMem = ""] = job;
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
    cpus: /^\d+$/.test(cpus) && Number(cpus) > 0 ? Number(cpus) : undefined,
    requestedMemory: requested(reqMem, Number(cpus)),
  });
}

/** ReqMem: "2G" (21.08 on: per node, as a one-node job asks), before "2Gn" per node or "500Mc" per CPU. */
function requested(text: string, cpus: number): number | undefined {
  const match = /^(\d+(?:\.\d+)?[KMGT]?)([nc]?)$/.exec(text.trim());
  const amount = match ? parseMemory(match[1]) : undefined;
  if (amount === undefined) return undefined;
  return match![2] === "c" ? (cpus > 0 ? amount * cpus : undefined) : amount;
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
