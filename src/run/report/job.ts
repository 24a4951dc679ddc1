/** The batch job we run in, from the scheduler's environment variables. */
import { literal } from "./fence.ts";

type Scheduler = "slurm" | "pbs" | "lsf";

export interface JobContext {
  scheduler: Scheduler;
  jobId: string;
  jobName?: string;
  arrayJobId?: string;
  arrayTaskId?: string;
  queue?: string;
  cluster?: string;
  nodes?: string;
  /** How many times Slurm requeued the job before this run (SLURM_RESTART_COUNT). */
  restarts?: number;
}

type Env = Record<string, string | undefined>;

export function jobContext(env: Env = process.env): JobContext | undefined {
  const get = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const slurmId = get("SLURM_JOB_ID") ?? get("SLURM_JOBID");
  if (slurmId) {
    return compact({
      scheduler: "slurm",
      jobId: slurmId,
      jobName: get("SLURM_JOB_NAME"),
      arrayJobId: get("SLURM_ARRAY_JOB_ID"),
      arrayTaskId: get("SLURM_ARRAY_TASK_ID"),
      queue: get("SLURM_JOB_PARTITION"),
      cluster: get("SLURM_CLUSTER_NAME"),
      nodes: get("SLURM_JOB_NODELIST") ?? get("SLURM_NODELIST"),
      restarts: Number(get("SLURM_RESTART_COUNT")) > 0 ? Number(get("SLURM_RESTART_COUNT")) : undefined,
    });
  }
  const pbsId = get("PBS_JOBID");
  if (pbsId) {
    // Torque names the array index PBS_ARRAYID, PBS Pro PBS_ARRAY_INDEX.
    const taskId = get("PBS_ARRAYID") ?? get("PBS_ARRAY_INDEX");
    return compact({
      scheduler: "pbs",
      jobId: pbsId,
      jobName: get("PBS_JOBNAME"),
      arrayJobId: taskId ? get("PBS_ARRAY_ID") : undefined,
      arrayTaskId: taskId,
      queue: get("PBS_QUEUE"),
      cluster: get("PBS_SERVER"),
    });
  }
  const lsfId = get("LSB_JOBID");
  if (lsfId) {
    // LSF sets LSB_JOBINDEX to 0 for jobs that are not part of an array.
    const index = get("LSB_JOBINDEX");
    return compact({
      scheduler: "lsf",
      jobId: lsfId,
      jobName: get("LSB_JOBNAME"),
      arrayTaskId: index && index !== "0" ? index : undefined,
      queue: get("LSB_QUEUE"),
      nodes: get("LSB_HOSTS") ?? get("LSB_MCPU_HOSTS"),
    });
  }
  return undefined;
}

const SCHEDULER_NAMES: Record<Scheduler, string> = { slurm: "Slurm", pbs: "PBS", lsf: "LSF" };

/** Short label/value pairs for a message, e.g. ["Slurm job", "1234_7 (train)"]. */
export function jobContextFields(ctx: JobContext): Array<[label: string, value: string]> {
  const id = jobIdText(ctx);
  const restart = ctx.restarts ? `, restart ${ctx.restarts}` : "";
  const fields: Array<[string, string]> = [
    [
      `${SCHEDULER_NAMES[ctx.scheduler]} job`,
      `${ctx.jobName ? `${literal(id)} (${literal(ctx.jobName)})` : literal(id)}${restart}`,
    ],
  ];
  if (ctx.queue) fields.push([ctx.scheduler === "slurm" ? "Partition" : "Queue", literal(ctx.queue)]);
  if (ctx.cluster) fields.push([ctx.scheduler === "pbs" ? "Server" : "Cluster", literal(ctx.cluster)]);
  if (ctx.nodes) fields.push(["Nodes", literal(ctx.nodes, 80)]);
  return fields;
}

/** After the job's name in a headline: " (restart 2)", " (restart 1, after a node failure)"; "" for a first run. */
export function restartWords(ctx: JobContext | undefined, after?: string): string {
  return ctx?.restarts ? ` (restart ${ctx.restarts}${after ? `, after ${after}` : ""})` : "";
}

/** Each scheduler's own notation: Slurm "1234_7", PBS and LSF "1234[7]". */
export function jobIdText(ctx: JobContext): string {
  return ctx.scheduler === "slurm" && ctx.arrayJobId && ctx.arrayTaskId
    ? `${ctx.arrayJobId}_${ctx.arrayTaskId}`
    : ctx.arrayTaskId && !ctx.jobId.includes("[")
      ? `${ctx.jobId}[${ctx.arrayTaskId}]`
      : ctx.jobId;
}

function compact(ctx: JobContext): JobContext {
  for (const key of Object.keys(ctx) as Array<keyof JobContext>) if (ctx[key] === undefined) delete ctx[key];
  return ctx;
}
