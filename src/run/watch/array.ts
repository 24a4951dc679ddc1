/**
 * An array followed by `mmn watch`: one board for all its tasks, drawn as `mmn run`'s tasks
 * draw theirs (run/array/board.ts), from the queue's listing of each task instead of the tasks'
 * own records. A task that ended without ever starting (a mass scancel of the waiting ones)
 * counts as a waiting task that was cancelled.
 */
import { printable } from "../../base/printable.ts";
import type { QueuedJob } from "../../scheduler/scheduler.ts";
import { type ArrayTask, boardIdOf } from "../array/array.ts";
import { type Board, board, boardHeadline, boardMessage, boardProps } from "../array/board.ts";
import type { TaskRecord } from "../array/tasks.ts";
import { literal } from "../report/fence.ts";
import { advance, type JobStory, newStory, settled } from "./story.ts";

export class ArrayStory {
  readonly tasks = new Map<string, JobStory>();
  name = "";

  constructor(
    readonly arrayId: string,
    readonly scheduler: string,
  ) {}

  /** The tasks of this array in a listing, each task's story brought up to date; the tasks no longer listed have ended. */
  update(listed: readonly QueuedJob[], now: number): void {
    const seen = new Set<string>();
    for (const job of listed) {
      const task = job.arrayTaskId;
      if (task === undefined) continue;
      seen.add(task);
      if (job.name) this.name = job.name;
      const story = this.tasks.get(task);
      if (story) advance(story, job, now);
      else this.tasks.set(task, newStory(job, now));
    }
    for (const [task, story] of this.tasks) if (!seen.has(task)) advance(story, undefined, now);
  }

  get done(): boolean {
    return this.tasks.size > 0 && [...this.tasks.values()].every(settled);
  }

  /** Every task completed. */
  get succeeded(): boolean {
    return [...this.tasks.values()].every((t) => t.phase === "ended" && t.job.state === "COMPLETED");
  }

  /** The name `mmn run`'s tasks keep this array's board under (run/array/array.ts). */
  get boardId(): string {
    return boardIdOf(this.scheduler, this.arrayId);
  }

  #array(): ArrayTask {
    return {
      boardId: this.boardId,
      arrayId: this.arrayId,
      taskId: "",
      scheduler: this.scheduler,
      count: this.tasks.size,
      name: this.name || undefined,
    };
  }

  /** The tasks that ran and ended, as the board counts them. */
  ended(now: number): TaskRecord[] {
    return this.#records(now).filter((r) => r.phase !== "running");
  }

  /** One reply for tasks that ended together: `❌ task 3 of **sweep** (array 7000): FAILED (NonZeroExitCode)`. */
  endsMessage(ended: readonly TaskRecord[]): string {
    const icon = ended.every((r) => r.phase === "succeeded") ? "✅" : "❌";
    const of = `${this.name ? `**${literal(printable(this.name, 200))}**` : "the array"} (array ${literal(this.arrayId)})`;
    const said = (r: TaskRecord) => r.outcome ?? (r.phase === "succeeded" ? "COMPLETED" : "failed");
    const [only] = ended;
    if (ended.length === 1 && only) return `${icon} task ${literal(only.task)} of ${of}: ${said(only)}`;
    const sorted = [...ended].sort((a, b) => Number(a.task) - Number(b.task) || a.task.localeCompare(b.task));
    const shown = sorted.slice(0, 10).map((r) => `${literal(r.task)}: ${said(r)}`);
    const more = sorted.length > shown.length ? `; and ${sorted.length - shown.length} more` : "";
    return `${icon} ${ended.length} tasks of ${of} ended: ${shown.join("; ")}${more}`;
  }

  #records(now: number): TaskRecord[] {
    const records: TaskRecord[] = [];
    for (const [task, story] of this.tasks) {
      const { job } = story;
      // Never started: a waiting task, cancelled if the array is done.
      if (story.phase === "queued" || story.phase === "held" || story.phase === "never") continue;
      if (story.phase === "ended" && !story.ran) continue;
      const startedAt = job.startedAt ?? now;
      if (story.phase !== "ended") {
        records.push({ task, phase: "running", host: "", startedAt });
        continue;
      }
      const ok = job.state === "COMPLETED";
      records.push({
        task,
        phase: ok ? "succeeded" : "failed",
        host: "",
        startedAt,
        endedAt: job.endedAt ?? now,
        ...(ok ? {} : { outcome: `${job.state}${job.reason ? ` (${job.reason})` : ""}` }),
      });
    }
    return records;
  }

  board(now: number): Board {
    const drawn = board(this.#array(), this.#records(now));
    return this.done ? { ...drawn, running: 0, done: true } : drawn;
  }

  message(now: number): { message: string; props: Record<string, unknown>; headline: string } {
    const array = this.#array();
    const drawn = this.board(now);
    return {
      message: boardMessage(array, drawn),
      props: boardProps(array, drawn),
      headline: boardHeadline(array, drawn),
    };
  }
}
