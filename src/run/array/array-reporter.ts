/**
 * A task of a job array reports to the array's one board instead of a message of its own:
 * the board is created once for all tasks, edited at most once per interval whoever asks,
 * and turns green or red when the last task ends. A task notifies only when it fails (its
 * reply carries its log); the array notifies once, when it is done. Each task costs the
 * server a few requests at most, however many tasks there are.
 */
import { AfterSendError, errorMessage } from "../../errors.ts";
import type { MessageHook } from "../../hooks.ts";
import type { Notify } from "../../notify.ts";
import type { Recipient } from "../../recipient.ts";
import { literal } from "../report/fence.ts";
import { OnceWarning } from "../report/once-warning.ts";
import type { RunState } from "../report/render.ts";
import type { FinalReply, RunReporter } from "../report/run-reporter.ts";
import type { ArrayTask } from "./array.ts";
import { board, boardHeadline, boardMessage, boardProps } from "./board.ts";
import type { ArrayState, TaskRecord } from "./tasks.ts";

export interface ArrayReporterOptions {
  notify: Notify;
  recipient: Recipient;
  array: ArrayTask;
  state: ArrayState;
  on: "always" | "failure";
  intervalMs: number;
  /** The array's name on the board: the title, else the job's name. */
  name: string | undefined;
  mention: string | undefined;
  /** The outcome of a run, in words, as the status message would say it. */
  outcomeOf: (state: RunState) => string;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

export class ArrayReporter implements RunReporter {
  readonly reportsEveryEnd = true;
  #board: MessageHook | undefined;
  #started: Promise<void> | undefined;
  #editing: Promise<void> | undefined;
  readonly #trouble: OnceWarning;

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
        .then(() => (this.options.on === "always" ? this.#ensureBoard() : undefined))
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

  async finish(state: RunState, reply: FinalReply, deadline: number): Promise<void> {
    this.options.notify.retryUntil(deadline);
    await this.#started;
    await this.#record(state);
    const failed = state.phase !== "succeeded";
    if (failed) await this.#replyFailure(state, reply);
    const records = await this.options.state.readAll();
    const now = board(this.options.array, records);
    if (!now.done) return this.#maybeEdit(records);
    const release = await this.options.state.claimDone();
    // Another task ended last, or at the same time and won: it draws the final board.
    if (!release) return;
    try {
      if (this.options.on === "failure" && now.failed.length === 0) return;
      const hook = await this.#ensureBoard();
      const final = board(this.options.array, await this.options.state.readAll());
      await this.options.notify.edit({ id: hook.postId }, this.#content(final));
      const mention = this.options.mention ? `@${this.options.mention} ` : "";
      await this.options.notify.reply(`${mention}${boardHeadline(this.options.array, final, this.options.name)}`, {
        to: hook.id,
      });
    } finally {
      await release();
    }
  }

  abandoned(seconds: number): string | undefined {
    return `the task's end may not be on the array's board: no answer within ${seconds} s`;
  }

  async #record(state: RunState): Promise<void> {
    const record: TaskRecord = {
      task: this.options.array.taskId,
      phase: state.phase,
      host: state.host,
      startedAt: state.startedAt.getTime(),
      ...(state.phase === "running" ? {} : { endedAt: state.at.getTime(), outcome: this.options.outcomeOf(state) }),
    };
    await this.options.state.write(record);
  }

  async #ensureBoard(): Promise<MessageHook> {
    if (this.#board) return this.#board;
    const { array, name } = this.options;
    const first = board(array, await this.options.state.readAll());
    this.#board = await this.options.notify.once(array.boardId, boardMessage(array, first, name), {
      to: this.options.recipient,
      props: boardProps(array, first, name),
    });
    return this.#board;
  }

  /** At most one edit per interval for the whole array, by whichever task asks first. */
  async #maybeEdit(known?: TaskRecord[]): Promise<void> {
    if (!this.#board && this.options.on === "always") await this.#ensureBoard();
    if (!this.#board) return;
    const release = await this.options.state.claimEdit(this.options.intervalMs);
    if (!release) return;
    try {
      const now = board(this.options.array, known ?? (await this.options.state.readAll()));
      await this.options.notify.edit({ id: this.#board.postId }, this.#content(now));
    } finally {
      await release();
    }
  }

  #content(b: ReturnType<typeof board>): { message: string; props: Record<string, unknown> } {
    const { array, name } = this.options;
    return { message: boardMessage(array, b, name), props: boardProps(array, b, name) };
  }

  /** A failed task notifies, in the board's thread, with its log. */
  async #replyFailure(state: RunState, reply: FinalReply): Promise<void> {
    const hook = await this.#ensureBoard();
    const mention = this.options.mention ? `@${this.options.mention} ` : "";
    const text = `${mention}❌ task ${literal(this.options.array.taskId)} of ${this.options.name ?? "the array"} ${this.options.outcomeOf(state)} on ${literal(state.host)}`;
    try {
      await this.options.notify.reply(text, {
        to: hook.id,
        files: [...(reply.log ? [reply.log] : []), ...(reply.attachments ?? [])],
      });
    } catch (error) {
      // The log left out (too large): the reply went, and says so.
      if (!(error instanceof AfterSendError)) throw error;
      this.options.debug(errorMessage(error));
    }
  }

  #failed(error: unknown): void {
    const reason = errorMessage(error);
    this.#trouble.say(`cannot update the array's board: ${reason}; the command goes on`, reason);
  }
}
