import type { RunState } from "./render.ts";

/**
 * Which ends of a run wake someone: a new root post with Mattermost's urgent priority beside the
 * usual reply (urgent-post.ts). `failure` (the default): a run that did not succeed; `never`:
 * the reply alone, as before.
 */
export type UrgentChoice = "failure" | "never";

/** The one place the default is: a failure wakes you. */
const DEFAULT_URGENT: UrgentChoice = "failure";

/** A flag's word as a choice (the flag's parser has checked it is one). */
export function urgentChoice(value: string | undefined): UrgentChoice | undefined {
  return value === "failure" || value === "never" ? value : undefined;
}

/**
 * Whether this end is urgent under the choice. A run someone cancelled (they know) or the
 * scheduler requeued (it comes back) is no failure to wake anyone for.
 */
export function isUrgent(state: RunState, choice: UrgentChoice = DEFAULT_URGENT): boolean {
  if (choice !== "failure" || state.phase === "running" || state.phase === "succeeded") return false;
  return state.cause?.kind !== "cancelled" && state.cause?.kind !== "requeued";
}
