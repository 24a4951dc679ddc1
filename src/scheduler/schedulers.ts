import { lsf } from "./lsf.ts";
import { none } from "./none.ts";
import { pbs } from "./pbs.ts";
import type { Ancestry, ArrayMembership, Env, JobContext, MainProcess, Scheduler } from "./scheduler.ts";
import { slurm } from "./slurm.ts";

/**
 * The schedulers mmn knows, in the order their environment is looked for: adding one is its
 * file and its line here.
 */
const SCHEDULERS: readonly Scheduler[] = [slurm, pbs, lsf];

/** The job this process runs in, from the scheduler's environment; undefined outside a batch job. */
export function jobContext(env: Env = process.env): JobContext | undefined {
  for (const scheduler of SCHEDULERS) {
    const job = scheduler.current(env);
    if (job) return job;
  }
  return undefined;
}

/** The scheduler a job (or a Cause, or a board) names by its kind; `none` for no job. */
export function schedulerOf(job: Pick<JobContext, "scheduler"> | string | undefined): Scheduler {
  const kind = typeof job === "string" ? job : job?.scheduler;
  return SCHEDULERS.find((scheduler) => scheduler.kind === kind) ?? none;
}

/**
 * The scheduler to ask about a job given by its id, from a login node with none of the job's
 * environment: the first whose programs are on PATH; `none` when there is none.
 */
export function installedScheduler(): Scheduler {
  return SCHEDULERS.find((scheduler) => scheduler.installed()) ?? none;
}

/** The array this process's job is a task of, with its scheduler; undefined for a job that is not one. */
export function arrayMembership(env: Env): (ArrayMembership & { scheduler: Scheduler }) | undefined {
  for (const scheduler of SCHEDULERS) {
    const task = scheduler.arrayTask(env);
    if (task) return { scheduler, ...task };
  }
  return undefined;
}

/** Whether this process is the one its job's scheduler signals (see MainProcess). */
export function mainProcess(env: Env, above: Ancestry): MainProcess {
  const job = jobContext(env);
  return job ? schedulerOf(job).mainProcess(env, above) : "not-batch";
}
