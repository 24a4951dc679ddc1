import { describe, expect, test } from "bun:test";
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

  test("the time limit's marks: each passed once in a run, suspensions left out, marks past at first sight not news", () => {
    const limited = (state: string) => job(state, { startedAt: 0, limitMs: 100_000 });
    const story = newStory(limited("RUNNING"), 10_000);
    expect(advance(story, limited("RUNNING"), 49_000)).toEqual([]);
    expect(advance(story, limited("RUNNING"), 85_000)).toEqual(["time-limit-50", "time-limit-80"]);
    expect(advance(story, limited("SUSPENDED"), 86_000)).toEqual(["suspend"]);
    expect(advance(story, limited("RUNNING"), 96_000)).toEqual(["resume"]);
    expect(advance(story, limited("RUNNING"), 99_000)).toEqual([]);
    expect(advance(story, limited("RUNNING"), 101_000)).toEqual(["time-limit-90"]);
    expect(advance(story, limited("RUNNING"), 101_500)).toEqual([]);
    const late = newStory(limited("RUNNING"), 95_000);
    expect(advance(late, limited("RUNNING"), 96_000)).toEqual([]);
    const started = newStory(limited("PENDING"), 0);
    expect(advance(started, limited("RUNNING"), 60_000)).toEqual(["begin"]);
    expect(advance(started, limited("RUNNING"), 80_000)).toEqual(["time-limit-80"]);
  });
});
