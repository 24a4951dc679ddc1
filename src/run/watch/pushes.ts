/**
 * Which of a watched job's events push (a reply in its thread, which notifies) and which only
 * edit its one message: the notification policy (policy/policy.ts) decides, as for `mmn run`.
 */
import { type JobEvent, type Policy, pushes } from "../../policy/policy.ts";
import type { TaskRecord } from "../array/tasks.ts";
import type { ArrayStory } from "./array.ts";
import type { WatchEvent } from "./story.ts";
import type { Verdict } from "./words.ts";

/**
 * The events of one poll that reply, in order. A wrapped run (`mmn run` inside) tells its own
 * end and time limit; of marks of the time limit passed together, the last is told.
 */
export function jobPushes(
  policy: Policy,
  events: readonly WatchEvent[],
  verdict: Verdict | undefined,
  wrapped: boolean,
) {
  const pushed = events.flatMap((event) => {
    const weighed = jobEvent(event, verdict);
    if (wrapped && (weighed?.kind === "end" || weighed?.kind === "time-limit")) return [];
    return weighed && pushes(policy, weighed) ? [weighed] : [];
  });
  const lastMark = pushed.findLast((e) => e.kind === "time-limit");
  return pushed.filter((e) => e.kind !== "time-limit" || e === lastMark);
}

/**
 * An array's ends the policy pushes, as `mmn run`'s tasks tell them: the tasks' ends not told
 * yet (one reply for those of a poll), and whether the array's end is one reply of its own.
 */
export function taskEnds(policy: Policy, story: ArrayStory, told: ReadonlySet<string>, now: number) {
  const untold: TaskRecord[] = story
    .ended(now)
    .filter(
      (r) => !told.has(r.task) && pushes(policy, { kind: "end", failed: r.phase !== "succeeded", array: "task" }),
    );
  const whole = story.done && pushes(policy, { kind: "end", failed: !story.succeeded, array: "whole" });
  return { untold, whole };
}

/** A watched job's event as the policy weighs it; undefined for those that only edit (queued, held, suspended…). */
function jobEvent(event: WatchEvent, verdict: Verdict | undefined): JobEvent | undefined {
  switch (event) {
    case "begin":
    case "requeue":
    case "never-runs":
      return { kind: event };
    case "time-limit-50":
      return { kind: "time-limit", percent: 50 };
    case "time-limit-80":
      return { kind: "time-limit", percent: 80 };
    case "time-limit-90":
      return { kind: "time-limit", percent: 90 };
    case "end":
      return { kind: "end", failed: verdict?.succeeded !== true };
    default:
      return undefined;
  }
}
