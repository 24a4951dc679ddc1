/**
 * Which of a watched job's events push (a reply in its thread, which notifies) and which only
 * edit its one message (which notifies no one). The one place that decides it: issue 18's
 * notification policy (`--on begin,end,fail,…`) is to be wired in here.
 */
import type { WatchEvent } from "./story.ts";

/** An event as the policy weighs it: an end is "fail" unless the job succeeded. */
export type PolicyEvent = Exclude<WatchEvent, "end"> | "end" | "fail";

/** The default, what a person would choose: a push at the end, and for a failure (a job that will never run is one). */
export const DEFAULT_PUSHES: ReadonlySet<PolicyEvent> = new Set<PolicyEvent>(["end", "fail", "never-runs"]);

export function pushes(event: PolicyEvent, policy: ReadonlySet<PolicyEvent> = DEFAULT_PUSHES): boolean {
  return policy.has(event);
}
