import type { JobContext } from "../../scheduler/scheduler.ts";
import { schedulerOf } from "../../scheduler/schedulers.ts";
import { literal } from "./fence.ts";

/** The batch job we run in (scheduler/ reads it from the environment), in words. */

/** Short label/value pairs for a message, e.g. ["Slurm job", "1234_7 (train)"]. */
export function jobContextFields(ctx: JobContext): Array<[label: string, value: string]> {
  const words = schedulerOf(ctx).words;
  const id = jobIdText(ctx);
  const restart = ctx.restarts ? `, restart ${ctx.restarts}` : "";
  const fields: Array<[string, string]> = [
    [`${words.name} job`, `${ctx.jobName ? `${literal(id)} (${literal(ctx.jobName)})` : literal(id)}${restart}`],
  ];
  if (ctx.queue) fields.push([words.queue, literal(ctx.queue)]);
  if (ctx.cluster) fields.push([words.cluster, literal(ctx.cluster)]);
  if (ctx.nodes) fields.push(["Nodes", literal(ctx.nodes, 80)]);
  return fields;
}

/** After the job's name in a headline: " (restart 2)", " (restart 1, after a node failure)"; "" for a first run. */
export function restartWords(ctx: JobContext | undefined, after?: string): string {
  return ctx?.restarts ? ` (restart ${ctx.restarts}${after ? `, after ${after}` : ""})` : "";
}

/** Each scheduler's own notation: Slurm "1234_7", PBS and LSF "1234[7]". */
export function jobIdText(ctx: JobContext): string {
  return schedulerOf(ctx).idText(ctx);
}
