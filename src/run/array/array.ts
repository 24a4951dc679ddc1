/** The job array a task belongs to, from its scheduler's environment. */

export interface ArrayTask {
  /**
   * What the board is remembered under: the scheduler and the array's job id, the same for
   * every task (an `--id` such as "train-$SLURM_JOB_ID" differs from task to task).
   */
  boardId: string;
  arrayId: string;
  taskId: string;
  /** How many tasks the array has, when the scheduler tells (Slurm: SLURM_ARRAY_TASK_COUNT, or MAX - MIN + 1). */
  count: number | undefined;
  /** The job's name (`#SBATCH -J sweep`), for the board's headline. */
  name: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const value = (env: Env, name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
const count = (raw: string | undefined) => (raw && /^\d+$/.test(raw) ? Number(raw) : undefined);

/** Slurm, PBS and LSF arrays; undefined for a job that is not a task of one. */
export function arrayTask(env: Env): ArrayTask | undefined {
  const slurm = value(env, "SLURM_ARRAY_JOB_ID");
  const slurmTask = value(env, "SLURM_ARRAY_TASK_ID");
  if (slurm && slurmTask) {
    const min = count(value(env, "SLURM_ARRAY_TASK_MIN"));
    const max = count(value(env, "SLURM_ARRAY_TASK_MAX"));
    const total =
      count(value(env, "SLURM_ARRAY_TASK_COUNT")) ??
      (min !== undefined && max !== undefined ? max - min + 1 : undefined);
    return task("slurm", slurm, slurmTask, total, value(env, "SLURM_JOB_NAME"));
  }
  // Torque names the index PBS_ARRAYID, PBS Pro PBS_ARRAY_INDEX; the array's own id is PBS_ARRAY_ID.
  const pbsTask = value(env, "PBS_ARRAY_INDEX") ?? value(env, "PBS_ARRAYID");
  const pbs = value(env, "PBS_ARRAY_ID") ?? value(env, "PBS_JOBID")?.replace(/\[\d+\]/, "[]");
  if (pbsTask && pbs) return task("pbs", pbs, pbsTask, undefined, value(env, "PBS_JOBNAME"));
  // LSF sets LSB_JOBINDEX to 0 outside arrays.
  const lsfTask = value(env, "LSB_JOBINDEX");
  const lsf = value(env, "LSB_JOBID");
  if (lsf && lsfTask && lsfTask !== "0") {
    const end = count(value(env, "LSB_JOBINDEX_END"));
    return task("lsf", lsf, lsfTask, end, value(env, "LSB_JOBNAME")?.replace(/\[.*\]$/, ""));
  }
  return undefined;
}

function task(
  scheduler: string,
  arrayId: string,
  taskId: string,
  total: number | undefined,
  name: string | undefined,
): ArrayTask {
  const safe = arrayId.replace(/[^\w.-]+/g, "_");
  return { boardId: `array-${scheduler}-${safe}`, arrayId, taskId, count: total, name };
}
