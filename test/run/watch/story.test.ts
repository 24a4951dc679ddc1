import { describe, expect, test } from "bun:test";
import { DEFAULT_PUSHES, pushes } from "../../../src/run/watch/policy.ts";
import { advance, newStory } from "../../../src/run/watch/story.ts";
import type { QueuedJob } from "../../../src/scheduler/scheduler.ts";

const job = (state: string, more: Partial<QueuedJob> = {}): QueuedJob => ({
  jobId: "42",
  name: "train",
  state,
  submittedAt: 0,
  ...more,
});

describe("a watched job's story: the events each listing brings", () => {
  test("queued, held, released, started after its wait, suspended, resumed, requeued (its reason a poll later), ended", () => {
    const story = newStory(job("PENDING", { reason: "Priority" }), 1000);
    expect(story.phase).toBe("queued");
    expect(advance(story, job("PENDING", { reason: "JobHeldUser" }), 2000)).toEqual(["held"]);
    expect(advance(story, job("PENDING", { reason: "Resources" }), 3000)).toEqual(["released"]);
    expect(advance(story, job("RUNNING", { startedAt: 11_520_000 }), 4000)).toEqual(["begin"]);
    expect(story.waitedMs).toBe(11_520_000);
    expect(advance(story, job("SUSPENDED", { startedAt: 11_520_000 }), 5000)).toEqual(["suspend"]);
    expect(advance(story, job("RUNNING", { startedAt: 11_520_000 }), 7000)).toEqual(["resume"]);
    expect(story.suspendedMs).toBe(2000);
    expect(advance(story, job("PENDING"), 8000)).toEqual(["requeue"]);
    expect(story.requeues).toEqual([""]);
    expect(advance(story, job("PENDING", { reason: "BeginTime" }), 9000)).toEqual(["queued"]);
    expect(story.requeues).toEqual(["BeginTime"]);
    expect(advance(story, job("RUNNING", { startedAt: 10_000 }), 10_000)).toEqual(["begin"]);
    expect(story.waitedMs).toBe(2000);
    expect(advance(story, job("COMPLETED", { startedAt: 10_000 }), 11_000)).toEqual(["end"]);
    expect(advance(story, undefined, 12_000)).toEqual([]);
  });

  test("a dependency never satisfied; a job no longer listed has ended; a waiting task scancelled never ran", () => {
    const chained = newStory(job("PENDING", { reason: "Dependency" }), 0);
    expect(advance(chained, job("PENDING", { reason: "DependencyNeverSatisfied" }), 1)).toEqual(["never-runs"]);
    const gone = newStory(job("RUNNING", { startedAt: 0 }), 0);
    expect(advance(gone, undefined, 1)).toEqual(["end"]);
    expect(gone.gone).toBe(true);
    const task = newStory(job("PENDING", { reason: "JobArrayTaskLimit" }), 0);
    advance(task, job("CANCELLED", { startedAt: 5, endedAt: 5 }), 1);
    expect(task.ran).toBe(false);
  });

  test("the default policy: the end and a failure push (and a job that will never run); the rest edits", () => {
    expect([...DEFAULT_PUSHES].sort()).toEqual(["end", "fail", "never-runs"]);
    for (const event of ["queued", "held", "released", "begin", "suspend", "resume", "requeue"] as const)
      expect(pushes(event)).toBe(false);
    expect(pushes("begin", new Set(["begin"]))).toBe(true);
  });
});
