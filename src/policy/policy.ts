/**
 * Which events push a notification, as `sbatch --mail-type` chooses Slurm's mails: the same
 * words for `mmn run --on`, `on=` in the configuration, `mmn watch` and `mmn slurm-mail`.
 * Edits of a job's one message never push; an event the policy names gets a reply in its
 * thread, which does.
 */
import { closest } from "../base/suggest.ts";

/** The events a person can ask to be pushed. */
const EVENTS = [
  "begin",
  "end",
  "fail",
  "requeue",
  "time-limit-50",
  "time-limit-80",
  "time-limit-90",
  "never-runs",
  "array-digest",
  "array-tasks",
] as const;
type PolicyEvent = (typeof EVENTS)[number];

/** Words that stand for several events: today's two values of --on, and Slurm's ALL and NONE. */
const ALIASES: Record<string, readonly PolicyEvent[]> = {
  always: ["end", "fail", "time-limit-90", "never-runs"],
  failure: ["fail", "never-runs"],
  all: ["begin", "end", "fail", "requeue", "time-limit-90", "never-runs"],
  none: [],
};

export interface Policy {
  readonly events: ReadonlySet<PolicyEvent>;
  /** As it was written, for messages and for files that keep it (an array's board). */
  readonly text: string;
}

/** A push at every end (a failure is one), the time limit's last warning, and a step that will never run. */
export const DEFAULT_POLICY_TEXT = "always";

/** `failure`: nothing posted unless something fails (what a webhook's array tasks are held to). */
export const FAILURES_ONLY: Policy = { events: new Set(ALIASES.failure), text: "failure" };

/** What a job does that the policy is asked about. */
export type JobEvent =
  | { kind: "begin" }
  | { kind: "requeue" }
  | { kind: "time-limit"; percent: 50 | 80 | 90 }
  | { kind: "never-runs" }
  /** A job's end; `array`: one task of an array, or the array as a whole (every task ended, or the rest cancelled). */
  | { kind: "end"; failed: boolean; array?: "task" | "whole" };

/** `end,fail`, `begin+end`, `always`: the words, or why not, with the word that was likely meant. */
export function parsePolicy(text: string): Policy | { error: string } {
  const words = text
    .split(/[,+\s]+/)
    .map((w) => w.trim().toLowerCase().replaceAll("_", "-"))
    .filter(Boolean);
  if (words.length === 0) return { error: `takes ${known()}: none given` };
  const events = new Set<PolicyEvent>();
  for (const word of words) {
    const alias = ALIASES[word];
    if (alias) for (const e of alias) events.add(e);
    else if ((EVENTS as readonly string[]).includes(word)) events.add(word as PolicyEvent);
    else {
      const guess = closest(word, [...EVENTS, ...Object.keys(ALIASES)]);
      return { error: `takes ${known()}: not ${JSON.stringify(word)}${guess ? ` (did you mean ${guess}?)` : ""}` };
    }
  }
  return { events, text: words.join(",") };
}

/** A policy kept as text (a run's registration, an array's board): the default where there is none or it no longer parses. */
export function policyOf(text: string | undefined): Policy {
  const parsed = parsePolicy(text ?? DEFAULT_POLICY_TEXT);
  return "error" in parsed ? (parsePolicy(DEFAULT_POLICY_TEXT) as Policy) : parsed;
}

/** Whether the event gets a reply that notifies. */
export function pushes(policy: Policy, event: JobEvent): boolean {
  const has = (e: PolicyEvent) => policy.events.has(e);
  switch (event.kind) {
    case "begin":
      return has("begin");
    case "requeue":
      return has("requeue");
    case "never-runs":
      return has("never-runs");
    case "time-limit":
      return has(`time-limit-${event.percent}`);
    case "end": {
      const told = has("end") || (event.failed && has("fail"));
      // array-tasks alone: every task's end, as Slurm's ARRAY_TASKS; with end or fail, those of them.
      if (event.array === "task" && has("array-tasks")) return told || !(has("end") || has("fail"));
      // Else a task's failure is told as it comes (those ending together in one reply), unless the digest is asked for.
      if (event.array === "task") return told && event.failed && !has("array-digest");
      // The digest is the one push when the array ends, whatever ended it.
      if (event.array === "whole") return has("array-digest") || (told && !has("array-tasks"));
      return told;
    }
  }
}

/** Whether the job's message is worth posting before anything fails: some event but a failure pushes. */
export function postsEarly(policy: Policy): boolean {
  return [...policy.events].some((e) => e !== "fail" && e !== "never-runs");
}

/** The time limit's fractions the policy pushes, in order. */
export function limitWarnings(policy: Policy): Array<50 | 80 | 90> {
  return ([50, 80, 90] as const).filter((p) => policy.events.has(`time-limit-${p}`));
}

function known(): string {
  return `${EVENTS.join(", ")}, or ${Object.keys(ALIASES).join(", ")}`;
}
