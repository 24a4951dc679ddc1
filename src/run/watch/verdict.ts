/** How a watched job ended: accounting's word where there is one, else scontrol's, else the queue's last listing. */
import type { Scheduler } from "../../scheduler/scheduler.ts";
import type { JobStory } from "./story.ts";
import type { Verdict } from "./words.ts";

const QUERY_MS = 10_000;
/** What accounting says of a job it has not seen end (slurmdbd a moment behind). */
const NOT_ENDED = new Set(["PENDING", "RUNNING", "REQUEUED", "SUSPENDED", "COMPLETING", ""]);

export async function verdictOf(story: JobStory, scheduler: Scheduler): Promise<Verdict> {
  const [accounting, state] = await Promise.all([
    scheduler.accounting(story.jobId, QUERY_MS).catch(() => undefined),
    scheduler.state(story.jobId, QUERY_MS).catch(() => undefined),
  ]);
  const listed = story.job.state;
  const acct = accounting && !NOT_ENDED.has(accounting.state) ? accounting : undefined;
  const ended = acct?.state ?? (state && !NOT_ENDED.has(state.state) ? state.state : undefined) ?? listed;
  const exitCode = acct?.exitCode ?? state?.exitCode ?? story.job.exitCode;
  const signal = acct?.signal ?? state?.signal ?? story.job.signal;
  const elapsedMs =
    acct?.elapsedMs ??
    state?.elapsedMs ??
    (story.job.startedAt !== undefined && story.job.endedAt !== undefined
      ? story.job.endedAt - story.job.startedAt
      : undefined);
  const verdict: Verdict = {
    state: NOT_ENDED.has(ended) ? "ENDED" : ended,
    succeeded: ended === "COMPLETED" && (exitCode ?? 0) === 0,
  };
  const more: Partial<Verdict> = {
    exitCode,
    signal: signal || undefined,
    by: acct?.by,
    reason: acct?.reason ?? state?.reason,
    elapsedMs,
    cpuSeconds: accounting?.cpuSeconds,
    cpus: accounting?.cpus,
    maxMemory: accounting?.maxMemory,
    requestedMemory: accounting?.requestedMemory,
  };
  for (const [key, value] of Object.entries(more)) if (value !== undefined) Object.assign(verdict, { [key]: value });
  return verdict;
}

/**
 * Why a job was requeued, where squeue's reason does not say (scontrol requeue leaves "None"):
 * accounting's word on the run that ended (NODE_FAIL, PREEMPTED), else scontrol's reason.
 */
export async function requeueReason(story: JobStory, scheduler: Scheduler): Promise<void> {
  if (story.requeues.at(-1) !== "") return;
  const runs = await scheduler.earlierRuns(story.jobId, QUERY_MS).catch(() => undefined);
  const ended = runs?.filter((run) => !NOT_ENDED.has(run.state)).at(-1)?.state;
  const reason = ended ?? (await scheduler.state(story.jobId, QUERY_MS).catch(() => undefined))?.reason;
  if (reason && story.requeues.at(-1) === "") story.requeues[story.requeues.length - 1] = reason;
}
