/**
 * A task of a job array reports to the array's one board instead of a message of its own:
 * the board is created once for all tasks, edited at most once per interval whoever asks,
 * and turns green or red when the last task ends. Failures notify in the board's thread, with
 * their logs; ends that come together (one scancel of the whole array) make one reply, and
 * the array's end is told once. Each task costs the server a few requests at most, however
 * many tasks there are.
 */

import { errorMessage } from "../../base/errors.ts";
import type { Client } from "../../client/client.ts";
import type { Recipient } from "../../client/recipient.ts";
import type { MessageHook } from "../../hooks/hook-file.ts";
import { JobThreads, threadKey, watchersBoard } from "../../jobs/threads.ts";
import { type Deadline, deadlineIn } from "../../mattermost/api.ts";
import { type Policy, postsEarly, pushes } from "../../policy/policy.ts";
import { processStart } from "../../relay/process.ts";
import { OnceWarning } from "../report/once-warning.ts";
import type { RunState } from "../report/render.ts";
import type { FinalReply, RunReporter } from "../report/run-reporter.ts";
import type { ArrayTask } from "./array.ts";
import { board, boardHeadline, endsMessage } from "./board.ts";
import { drawing, lastToDraw } from "./draws.ts";
import type { ArrayState, TaskRecord } from "./tasks.ts";

export interface ArrayReporterOptions {
  notify: Client;
  recipient: Recipient;
  array: ArrayTask;
  state: ArrayState;
  /** The events that notify (--on): the tasks' ends, the array's. */
  policy: Policy;
  intervalMs: number;
  /** How long the first of several ends waits for the others, to tell them in one reply. */
  gatherMs: number;
  /** At the end, how long a server that fails or does not answer is tried (a rate limit: the whole end). */
  unansweredMs?: number | undefined;
  /** The array's name on the board: the title, else the job's name. */
  name: string | undefined;
  mention: string | undefined;
  /** The outcome of a run, in words, as the status message would say it. */
  outcomeOf: (state: RunState) => string;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

/** Files on one reply: the server's limit for a post. */
const MAX_FILES = 10;

export class ArrayReporter implements RunReporter {
  readonly reportsEveryEnd = true;
  #board: MessageHook | undefined;
  #started: Promise<void> | undefined;
  #editing: Promise<void> | undefined;
  readonly #trouble: OnceWarning;
  /** The end's deadline, once the task is ending: every request after it is tried until then. */
  #end: Deadline | undefined;
  /** This mmn's start time, in the record: a relay tells a task whose mmn is gone from one whose pid is another's now. */
  readonly #startTicks = processStart("self");

  constructor(private readonly options: ArrayReporterOptions) {
    this.#trouble = new OnceWarning(options.warn, options.debug);
  }

  get hook(): MessageHook | undefined {
    return this.#board;
  }

  /** The first tick says the task runs (and makes the board); later ones may bring the board up to date. */
  tick(state: RunState): void {
    if (!this.#started) {
      this.#started = this.#record(state)
        .then(() => (postsEarly(this.options.policy) ? this.#ensureBoard() : undefined))
        .then(() => this.#maybeEdit())
        .catch((error: unknown) => this.#failed(error));
      return;
    }
    if (!this.#editing)
      this.#editing = this.#maybeEdit()
        .catch((error: unknown) => this.#failed(error))
        .finally(() => (this.#editing = undefined));
  }

  urgent(state: RunState): void {
    this.tick(state);
  }

  /** The task's end on the board; a failure's log uploaded now, for the reply that tells it. */
  async finish(state: RunState, reply: FinalReply, deadline: number): Promise<void> {
    const { unansweredMs } = this.options;
    this.#end = deadlineIn(deadline - Date.now(), unansweredMs !== undefined ? { unansweredMs } : {});
    await this.#started;
    try {
      const failed = state.phase !== "succeeded";
      await this.#record(state, failed ? await this.#upload(reply) : undefined, deadline);
      await this.#tellEnds(deadline);
    } catch (error) {
      // The command's exit code is what mmn returns, whatever happened to the board.
      this.#failed(error);
    }
  }

  abandoned(seconds: number): string | undefined {
    return `the task's end may not be on the array's board: no answer within ${seconds} s`;
  }

  /**
   * One task at a time tells what ended: the failures not told yet, in one reply (after a
   * short wait for those ending with it), and the array's end; or else brings the board's
   * counts up to date, whatever the interval when no task runs any more.
   */
  async #tellEnds(deadline: number): Promise<void> {
    const { state, array } = this.options;
    // Given up a little before the deadline, so that the run does not report itself late.
    const release = await state.ends(deadline - 250);
    // Held past our deadline by another task, which tells our end with its own.
    if (!release) return;
    try {
      if (await state.isDone()) return;
      let records = await state.readAll();
      if (this.#untold(records, await state.announced()).length) {
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(this.options.gatherMs, (deadline - Date.now()) / 3)),
        );
      }
      records = await state.fold(array.taskId);
      const told = await state.announced();
      const untold = this.#untold(records, told);
      const now = board(array, records);
      // The array's end carries every failure no reply told yet (all of them, for the digest).
      const failures = records.filter((r) => r.phase !== "running" && r.phase !== "succeeded" && !told.has(r.task));
      if (now.done) return await this.#tellDone(records, failures, untold, deadline);
      if (untold.length === 0) return await this.#applyCounts(lastToDraw(records, array.taskId), deadline);
      await this.#edit(await state.claimEditNow(deadline), records);
      await this.#reply(endsMessage(untold, this.options.name ?? "the array"), untold);
      await state.markAnnounced([...told, ...untold.map((r) => r.task)]);
    } finally {
      await release();
    }
  }

  /** The board turns green or red, and one reply says so, with the failures not told yet. */
  async #tellDone(
    records: TaskRecord[],
    failures: TaskRecord[],
    untold: TaskRecord[],
    deadline: number,
  ): Promise<void> {
    const { state, array, name } = this.options;
    // From now on no task's periodic edit may draw over the final board.
    await state.markDone();
    const final = board(array, records);
    const push = pushes(this.options.policy, { kind: "end", failed: final.failed.length > 0, array: "whole" });
    if (!push && !untold.length && !this.#board && !postsEarly(this.options.policy)) return await state.clearSpent();
    const hook = await this.#ensureBoard(records);
    await this.#edit(await state.claimEditNow(deadline), records);
    await state.clearSpent();
    if (push) await this.#reply(boardHeadline(array, final, name), failures, hook);
    // No push for the whole array (--on array-tasks): the last tasks' own ends still are.
    else if (untold.length) await this.#reply(endsMessage(untold, name ?? "the array"), untold, hook);
  }

  /** The ends the policy pushes that no reply told yet. */
  #untold(records: TaskRecord[], told: Set<string>): TaskRecord[] {
    const { policy } = this.options;
    return records.filter(
      (r) =>
        r.phase !== "running" &&
        !told.has(r.task) &&
        pushes(policy, { kind: "end", failed: r.phase !== "succeeded", array: "task" }),
    );
  }

  /** Counts only: at the interval, or now when no other task will draw them. */
  async #applyCounts(now: boolean, deadline: number): Promise<void> {
    if (!this.#board && postsEarly(this.options.policy)) await this.#ensureBoard();
    if (!this.#board) return;
    const release = now ? await this.options.state.claimEditNow(deadline) : undefined;
    if (release) await this.#edit(release);
    else await this.#maybeEdit();
  }

  /** One notifying reply in the board's thread, with the failures' files (ten at most). */
  async #reply(text: string, tasks: TaskRecord[], hook?: MessageHook): Promise<void> {
    const to = (hook ?? (await this.#ensureBoard())).id;
    const files = tasks.flatMap((r) => r.files ?? []);
    const left = files.length > MAX_FILES ? `\n_(${files.length - MAX_FILES} more files not attached)_` : "";
    const mention = this.options.mention ? `@${this.options.mention} ` : "";
    await this.options.notify.replyWithUploads(`${mention}${text}${left}`, {
      to,
      fileIds: files.slice(0, MAX_FILES),
      deadline: this.#end,
    });
  }

  async #upload(reply: FinalReply): Promise<string[] | undefined> {
    const files = [...(reply.log ? [reply.log] : []), ...(reply.attachments ?? [])];
    if (files.length === 0) return undefined;
    try {
      const hook = await this.#ensureBoard();
      const { fileIds, skipped } = await this.options.notify.upload(hook.id, files, { deadline: this.#end });
      if (skipped) this.options.debug(`not attached (too large): ${skipped.join(", ")}`);
      return fileIds;
    } catch (error) {
      // The end is told without its log rather than not at all.
      this.options.debug(`the log was not uploaded: ${errorMessage(error)}`);
      return undefined;
    }
  }

  async #record(state: RunState, files?: string[], tellBy?: number): Promise<void> {
    const record: TaskRecord = {
      task: this.options.array.taskId,
      phase: state.phase,
      host: state.host,
      startedAt: state.startedAt.getTime(),
      pid: process.pid,
      ...(this.#startTicks !== undefined ? { startTicks: this.#startTicks } : {}),
      ...(state.phase === "running" ? {} : { endedAt: state.at.getTime(), outcome: this.options.outcomeOf(state) }),
      ...(files?.length ? { files } : {}),
      ...(tellBy !== undefined && state.phase !== "running" ? { tellBy } : {}),
    };
    await this.options.state.write(record);
  }

  async #ensureBoard(known?: TaskRecord[]): Promise<MessageHook> {
    if (this.#board) return this.#board;
    const { array, name, notify } = this.options;
    const first = drawing(array, board(array, known ?? (await this.options.state.readAll())), name);
    this.#board = await notify.once(array.boardId, first.message, {
      to: this.options.recipient,
      props: first.props,
      sent: () => this.options.state.markDrawn(first.digest, true).catch(() => {}),
      // A board a watch posted before any task ran: drawn on, as a run's status joins a watch's thread.
      existing: () => watchersBoard(notify, array),
      deadline: this.#end,
    });
    await this.#leaveForRelay(this.#board);
    return this.#board;
  }

  /**
   * Where the board is, for a relay that closes it when no task is left to (a scancel of the
   * whole array), and for a watch of the array, which then posts no board of its own.
   */
  async #leaveForRelay(hook: MessageHook): Promise<void> {
    const { array, state, mention, name, policy, notify } = this.options;
    if (!array.scheduler) return;
    const thread = { postId: hook.postId, channelId: hook.channelId, server: notify.serverUrl };
    const key = threadKey(array.scheduler, array.arrayId, { array: true });
    // Side by side: a task is not held up by the second file.
    const kept = new JobThreads()
      .claim({ key, ...thread, by: "run", at: Date.now() })
      .catch((error: unknown) => this.options.debug(`cannot keep the array's thread: ${errorMessage(error)}`));
    const left = state
      .writeBoardPost({
        scheduler: array.scheduler,
        arrayId: array.arrayId,
        ...(array.count !== undefined ? { count: array.count } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(mention ? { mention } : {}),
        on: policy.text,
        postId: hook.postId,
        channelId: hook.channelId,
        server: notify.serverUrl,
      })
      .catch((error: unknown) => this.options.debug(`the board is not left for mmn relay: ${errorMessage(error)}`));
    await Promise.all([kept, left]);
  }

  /** At most one edit per interval for the whole array, by whichever task asks first. */
  async #maybeEdit(): Promise<void> {
    if (!this.#board && postsEarly(this.options.policy)) await this.#ensureBoard();
    if (!this.#board) return;
    await this.#edit(await this.options.state.claimEdit(this.options.intervalMs));
  }

  /** The board as the records say, when the right to edit it was had and it shows something else. */
  async #edit(release: (() => Promise<void>) | undefined, known?: TaskRecord[]): Promise<void> {
    if (!release || !this.#board) return release?.();
    try {
      const { array, name, state } = this.options;
      const now = drawing(array, board(array, known ?? (await state.readAll())), name);
      if (now.digest === (await state.drawn())) return;
      await this.options.notify.edit(
        { id: this.#board.postId },
        { message: now.message, props: now.props },
        { deadline: this.#end },
      );
      await state.markDrawn(now.digest);
    } finally {
      await release();
    }
  }

  #failed(error: unknown): void {
    const reason = errorMessage(error);
    this.#trouble.say(`cannot update the array's board: ${reason}; the command goes on`, reason);
  }
}
