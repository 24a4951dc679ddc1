import { type JobEvent, type Policy, parsePolicy, pushes } from "../../policy/policy.ts";
import type { RunState } from "./render.ts";

/**
 * Which events of a run wake someone: a new root post with Mattermost's urgent priority
 * (urgent-post.ts), linking the run's thread. `--urgent` and `urgent=` take `--on`'s words
 * (policy.ts); `never` is `none`.
 */
export type UrgentChoice = Policy;

/** The one place the default is: a failure wakes you. */
const DEFAULT_URGENT = "fail";

/** `--urgent`'s words, or why not (the policy's message, with the word likely meant). */
export function parseUrgent(text: string): UrgentChoice | { error: string } {
  return text.trim().toLowerCase() === "never" ? { events: new Set(), text: "never" } : parsePolicy(text);
}

export const URGENT_DEFAULT = parseUrgent(DEFAULT_URGENT) as UrgentChoice;

/** The end of a run as an event: a run someone cancelled (they know) or the scheduler requeued (it comes back) did not fail. */
export function endEvent(state: RunState): JobEvent {
  const failed =
    state.phase !== "running" &&
    state.phase !== "succeeded" &&
    state.cause?.kind !== "cancelled" &&
    state.cause?.kind !== "requeued";
  return { kind: "end", failed };
}

/** Whether the event, which the run tells, is told urgently under the choice: the one place that decides. */
export function isUrgent(event: JobEvent, choice: UrgentChoice = URGENT_DEFAULT): boolean {
  if (event.kind === "end" && event.array) return false;
  return pushes(choice, event);
}

/**
 * The events `--on` tells, with those `--urgent` names that the run tells before its end
 * (begin, requeue, the time limit's warnings): asking to be woken by one asks for it to be told.
 * The end stays `--on`'s: `--urgent end` makes urgent an end that is told, and tells none more.
 */
export function toldEvents(on: Policy, urgent: UrgentChoice = URGENT_DEFAULT): Policy {
  const early = [...urgent.events].filter((e) => e === "begin" || e === "requeue" || e.startsWith("time-limit-"));
  const added = early.filter((e) => !on.events.has(e));
  if (added.length === 0) return on;
  return { events: new Set([...on.events, ...added]), text: [on.text, ...added].join(",") };
}
