import type { Env } from "../../scheduler/scheduler.ts";
import { arrayMembership } from "../../scheduler/schedulers.ts";

/** The job array a task belongs to, from its scheduler's environment (scheduler/ reads it). */

export interface ArrayTask {
  /**
   * What the board is remembered under: the scheduler and the array's job id, the same for
   * every task (an `--id` such as "train-$SLURM_JOB_ID" differs from task to task).
   */
  boardId: string;
  arrayId: string;
  taskId: string;
  /** The scheduler's kind ("slurm"): the relay asks it whether the array still has tasks to run. */
  scheduler?: string;
  /** How many tasks the array has, when the scheduler tells (Slurm: SLURM_ARRAY_TASK_COUNT, or MAX - MIN + 1). */
  count: number | undefined;
  /** The job's name (`#SBATCH -J sweep`), for the board's headline. */
  name: string | undefined;
}

/** What an array's board is kept under, by its tasks and by `mmn watch`. */
export const boardIdOf = (scheduler: string, arrayId: string): string =>
  `array-${scheduler}-${arrayId.replace(/[^\w.-]+/g, "_")}`;

/** Slurm, PBS and LSF arrays; undefined for a job that is not a task of one. */
export function arrayTask(env: Env): ArrayTask | undefined {
  const task = arrayMembership(env);
  if (!task) return undefined;
  const { arrayId, taskId, count, name } = task;
  return {
    boardId: boardIdOf(task.scheduler.kind, arrayId),
    arrayId,
    taskId,
    scheduler: task.scheduler.kind,
    count,
    name,
  };
}
