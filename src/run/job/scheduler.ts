import type { JobContext } from "../report/job.ts";
import { ask } from "./query.ts";

/**
 * What the scheduler knows of the job: when its time is up (asked once at the start, in the
 * background), and in what state it is when a SIGTERM comes (asked at once, bounded).
 */

type Env = Record<string, string | undefined>;

export interface TimeLimit {
  /** When the scheduler ends the job, ms since the epoch. */
  endsAt: number;
  /** The limit itself, when known. */
  limitMs?: number;
}

/** How long the start's question may take: it runs beside the command and delays nothing. */
const START_QUERY_MS = 5000;

/**
 * Slurm's "no limit": squeue's %l says UNLIMITED, or a year ("365-00:00:00"), and from 23.02
 * SLURM_JOB_END_TIME is the start plus a year. None is none, not a limit to show.
 */
const NO_LIMIT_MS = 365 * 86_400_000;

export async function timeLimit(job: JobContext, env: Env = process.env): Promise<TimeLimit | undefined> {
  if (job.scheduler === "slurm") return slurmLimit(job.jobId, env);
  if (job.scheduler === "pbs") return pbsLimit(await ask(["qstat", "-f", job.jobId], START_QUERY_MS));
  return lsfLimit(await ask(["bjobs", "-o", "start_time runtimelimit", "-hms", "-json", job.jobId], START_QUERY_MS));
}

/** From Slurm 23.02 the environment says it; before, squeue does: "2026-12-01T23:47:11|1:00". */
async function slurmLimit(jobId: string, env: Env): Promise<TimeLimit | undefined> {
  const end = Number(env.SLURM_JOB_END_TIME);
  const start = Number(env.SLURM_JOB_START_TIME);
  if (Number.isFinite(end) && end > 0) {
    const limitMs = Number.isFinite(start) && start > 0 && end > start ? (end - start) * 1000 : undefined;
    if (limitMs !== undefined && limitMs >= NO_LIMIT_MS) return undefined;
    return { endsAt: end * 1000, ...(limitMs !== undefined ? { limitMs } : {}) };
  }
  return parseSqueueLimit(await ask(["squeue", "-h", "-j", jobId, "-o", "%e|%l"], START_QUERY_MS));
}

export function parseSqueueLimit(output: string | undefined): TimeLimit | undefined {
  const [end = "", limit = ""] = (output?.trim().split("\n")[0] ?? "").split("|");
  const endsAt = parseLocalTime(end);
  if (endsAt === undefined) return undefined;
  const limitMs = parseSlurmDuration(limit);
  if (limitMs === undefined || limitMs >= NO_LIMIT_MS) return undefined;
  return { endsAt, limitMs };
}

/** Slurm's times carry no zone: they are the machine's ("2026-12-01T23:47:11"). */
export function parseLocalTime(text: string): number | undefined {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)$/.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s).getTime();
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

/** The limit as --time takes it: "1:00:00", "2-00:00:00". */
export function formatLimit(ms: number): string {
  const total = Math.round(ms / 1000);
  const days = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const hms = `${days ? String(h).padStart(2, "0") : h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return days ? `${days}-${hms}` : hms;
}

/** `qstat -f`: Resource_List.walltime and the start (stime in PBS Pro, start_time in Torque). */
export function pbsLimit(output: string | undefined): TimeLimit | undefined {
  if (!output) return undefined;
  const field = (name: string) =>
    new RegExp(`^\\s*${name.replace(/\./g, "\\.")} = (.+)$`, "m").exec(output)?.[1]?.trim();
  const walltime = field("Resource_List.walltime");
  const start = Date.parse(field("stime") ?? field("start_time") ?? "");
  const limitMs = walltime ? parseHms(walltime) : undefined;
  if (limitMs === undefined || !Number.isFinite(start)) return undefined;
  return { endsAt: start + limitMs, limitMs };
}

function parseHms(text: string): number | undefined {
  const match = /^(\d+):(\d\d):(\d\d)$/.exec(text.trim());
  return match ? ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000 : undefined;
}

/** `bjobs -o "start_time runtimelimit" -hms -json`: "Dec  1 23:46" (this year) and "01:00:00[/host]". */
export function lsfLimit(output: string | undefined, now = Date.now()): TimeLimit | undefined {
  let record: Record<string, unknown> | undefined;
  try {
    record = (JSON.parse(output ?? "") as { RECORDS?: Array<Record<string, unknown>> }).RECORDS?.[0];
  } catch {
    return undefined;
  }
  const limitMs = typeof record?.RUNTIMELIMIT === "string" ? parseHms(record.RUNTIMELIMIT.split("/")[0]!) : undefined;
  const startText = typeof record?.START_TIME === "string" ? record.START_TIME.replace(/\s+[A-Z]$/, "") : "";
  let start = Date.parse(`${startText} ${new Date(now).getFullYear()}`);
  // Started in December, asked in January: last year.
  if (start > now + 86_400_000) start = Date.parse(`${startText} ${new Date(now).getFullYear() - 1}`);
  if (limitMs === undefined || !Number.isFinite(start)) return undefined;
  return { endsAt: start + limitMs, limitMs };
}

/** What `scontrol show job` or `squeue --json` says of the job when a SIGTERM comes. */
export interface JobState {
  /** As scontrol shows it (COMPLETING hides the state under it, which squeue's JSON may tell); "" when not known. */
  state: string;
  /** The states and flags that newer Slurm lists (["CANCELLED", "COMPLETING"]); else just the state. */
  states: string[];
  reason?: string;
  restarts?: number;
}

export function parseScontrol(output: string | undefined): JobState | undefined {
  const line = output?.split("\n").find((l) => l.startsWith("JobId="));
  if (!line) return undefined;
  const field = (key: string) => new RegExp(`(?:^| )${key}=(\\S*)`).exec(line)?.[1];
  const state = field("JobState");
  if (!state) return undefined;
  const restarts = Number(field("Restarts"));
  const reason = field("Reason");
  return {
    state,
    states: [state],
    ...(reason && reason !== "None" ? { reason } : {}),
    ...(Number.isInteger(restarts) ? { restarts } : {}),
  };
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

/**
 * Both asked at once: scontrol is in every Slurm, squeue's JSON (21.08 on) lists, from 23.02,
 * the base state that "COMPLETING" hides. The more telling answer wins.
 */
export async function slurmState(jobId: string, timeoutMs: number): Promise<JobState | undefined> {
  const [json, text] = await Promise.all([
    ask(["squeue", "--json", "-j", jobId], timeoutMs).then(parseSqueueJson),
    ask(["scontrol", "show", "job", "-o", jobId], timeoutMs).then(parseScontrol),
  ]);
  if (json && text) return { ...text, states: [...new Set([...json.states, ...text.states])] };
  return json ?? text;
}
