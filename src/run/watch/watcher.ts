import { errorMessage } from "../../base/errors.ts";
import type { Client } from "../../client/client.ts";
import type { Recipient } from "../../client/recipient.ts";
import { JobThreads, threadKey } from "../../jobs/threads.ts";
import { type Policy, policyOf } from "../../policy/policy.ts";
import { RunRegistry } from "../../relay/registry.ts";
import type { QueuedJob, Scheduler } from "../../scheduler/scheduler.ts";
import { ArrayStory } from "./array.ts";
import type { Board, Single, Speaker } from "./entries.ts";
import { jobPushes, taskEnds } from "./pushes.ts";
import { advance, isActive, newStory, settled, type WatchEvent } from "./story.ts";
import { expandOutputPath, openForAttach, readTail } from "./tail.ts";
import { addToRunsMessage, drawnByTasks, jobThread, replyTo } from "./thread.ts";
import { requeueReason, verdictOf } from "./verdict.ts";
import { details, headline, limitLine, message } from "./words.ts";

const QUERY_MS = 10_000;
/** Passes a run's own post may still say running after its job ended (the relay may be telling it) before the watcher lets it be. */
const FOREIGN_TRIES = 3;

export interface WatchOptions {
  notify: Client;
  recipient: Recipient;
  scheduler: Scheduler;
  /** The job ids (an array's id follows the whole array), or every job of the user's. */
  jobs: readonly string[] | "mine";
  threads?: JobThreads;
  registry?: RunRegistry;
  /** Which events push (--on, on=); the default policy where none is given. */
  policy?: Policy;
  /** The user's name, for a StdOut path's %u. */
  user: string;
  info: (line: string) => void;
  warn: (line: string) => void;
}

export class Watcher {
  readonly #singles = new Map<string, Single>();
  readonly #boards = new Map<string, Board>();
  /** Explicit ids nothing was found for. */
  readonly #unknown = new Set<string>();
  readonly #threads: JobThreads;
  readonly #registry: RunRegistry;
  readonly #policy: Policy;

  constructor(private readonly options: WatchOptions) {
    this.#threads = options.threads ?? new JobThreads();
    this.#registry = options.registry ?? new RunRegistry();
    this.#policy = options.policy ?? policyOf(undefined);
  }

  /** Every job named has been told its end (or that it never runs). */
  get finished(): boolean {
    const all = [...this.#singles.values(), ...this.#boards.values()];
    return this.options.jobs !== "mine" && all.every((entry) => entry.finished);
  }

  /** Every job followed succeeded. */
  get succeeded(): boolean {
    return (
      this.#unknown.size === 0 &&
      [...this.#singles.values()].every((s) => s.verdict?.succeeded === true) &&
      [...this.#boards.values()].every((b) => b.story.succeeded)
    );
  }

  /** One poll: the scheduler asked once, each job that changed told. */
  async pass(now = Date.now()): Promise<{ failed: number }> {
    const { scheduler, jobs } = this.options;
    const listing = await scheduler.queue?.(jobs, QUERY_MS);
    if (!listing) {
      this.options.warn(`${scheduler.words.name} gave no answer on the jobs: asked again on the next poll`);
      return { failed: 1 };
    }
    const first = this.#singles.size + this.#boards.size + this.#unknown.size === 0;
    this.#take(listing, now);
    if (first && jobs !== "mine") await this.#lookForGone(listing, now);
    let failed = 0;
    const speak = async (entry: Single | Board, tell: () => Promise<void>) => {
      if (entry.finished) return;
      await tell().catch((error: unknown) => {
        failed++;
        this.options.warn(`${this.#label(entry)}: ${errorMessage(error)}; tried again on the next poll`);
      });
    };
    for (const single of this.#singles.values()) await speak(single, () => this.#tellSingle(single));
    for (const board of this.#boards.values()) await speak(board, () => this.#tellBoard(board, now));
    return { failed };
  }

  #take(listing: readonly QueuedJob[], now: number): void {
    const { jobs } = this.options;
    const wanted = jobs === "mine" ? undefined : new Set(jobs);
    const arrays = new Map<string, QueuedJob[]>();
    const singles = new Map<string, QueuedJob>();
    for (const job of listing) {
      if (job.arrayJobId) arrays.set(job.arrayJobId, [...(arrays.get(job.arrayJobId) ?? []), job]);
      else singles.set(job.jobId, job);
    }
    for (const [arrayId, tasks] of arrays) {
      let board = this.#boards.get(arrayId);
      if (!board) {
        if (wanted ? !wanted.has(arrayId) : tasks.every((t) => t.state !== "PENDING" && !isActive(t))) continue;
        board = { story: new ArrayStory(arrayId, this.options.scheduler.kind), finished: false, told: new Set() };
        this.#boards.set(arrayId, board);
      }
      board.story.update(tasks, now);
    }
    for (const board of this.#boards.values()) if (!arrays.has(board.story.arrayId)) board.story.update([], now);
    for (const [jobId, job] of singles) {
      if (this.#singles.has(jobId)) continue;
      // Not named, or (--all) a job that had ended before it was seen.
      if (wanted ? !wanted.has(jobId) : !(isActive(job) || job.state === "PENDING")) continue;
      const single: Single = { story: newStory(job, now), finished: false, foreignTries: 0, wrapped: false };
      this.#singles.set(jobId, single);
      // Named and already over, or waiting for ever: told as such at once.
      const phase = single.story.phase;
      if (phase === "ended" || phase === "never") pending.set(single, [phase === "ended" ? "end" : "never-runs"]);
    }
    for (const [jobId, single] of this.#singles) {
      // --all forgets what it told once the queue forgets it too.
      if (!wanted && single.finished && !singles.has(jobId)) this.#singles.delete(jobId);
      const events = single.story.phase === "ended" ? [] : advance(single.story, singles.get(jobId), now);
      pending.set(single, [...(pending.get(single) ?? []), ...events]);
    }
    if (!wanted)
      for (const [arrayId, board] of this.#boards)
        if (board.finished && !arrays.has(arrayId)) this.#boards.delete(arrayId);
  }

  /** Named ids the queue does not list: ended long ago (accounting's word), or unknown. */
  async #lookForGone(listing: readonly QueuedJob[], now: number): Promise<void> {
    if (this.options.jobs === "mine") return;
    const listed = new Set(listing.flatMap((job) => [job.jobId, job.arrayJobId ?? ""]));
    for (const jobId of this.options.jobs) {
      if (listed.has(jobId)) continue;
      const accounting = await this.options.scheduler.accounting(jobId, QUERY_MS).catch(() => undefined);
      if (!accounting) {
        this.#unknown.add(jobId);
        this.options.warn(`job ${jobId}: ${this.options.scheduler.words.name} does not know it`);
        continue;
      }
      const job: QueuedJob = {
        jobId,
        name: "",
        state: accounting.state,
        ...(accounting.startedAt !== undefined ? { startedAt: accounting.startedAt } : {}),
        ...(accounting.endedAt !== undefined ? { endedAt: accounting.endedAt } : {}),
      };
      const single: Single = { story: newStory(job, now), finished: false, foreignTries: 0, wrapped: false };
      this.#singles.set(jobId, single);
      pending.set(single, ["end"]);
    }
  }

  async #tellSingle(single: Single): Promise<void> {
    const events = pending.get(single) ?? [];
    const { story } = single;
    const key = threadKey(this.options.scheduler.kind, story.jobId);
    if (!single.post && !single.foreign)
      Object.assign(single, await jobThread(this.#threads, this.options.notify, key));
    if (story.phase === "running" && !single.wrapped) single.wrapped = await this.#isWrapped(story.jobId);
    if (events.includes("requeue")) await requeueReason(story, this.options.scheduler);
    if (settled(story) && !single.verdict && story.phase === "ended")
      single.verdict = await verdictOf(story, this.options.scheduler);
    if (single.foreign) {
      pending.delete(single);
      return this.#tellForeign(single);
    }
    const tail = await this.#tail(single);
    const text = message(story, single.verdict, this.options.scheduler.words.name, tail);
    await this.#publish(single, text, undefined, key);
    pending.delete(single);
    const name = this.options.scheduler.words.name;
    for (const event of jobPushes(this.#policy, events, single.verdict, single.wrapped)) {
      const text =
        event.kind === "time-limit" ? limitLine(story, event.percent) : headline(story, single.verdict, name);
      await this.#reply(single, text, event.kind === "end");
    }
    if (settled(story)) {
      single.finished = true;
      this.options.info(`${this.#label(single)}: ${headline(story, single.verdict, name)}`);
    }
  }

  async #isWrapped(jobId: string): Promise<boolean> {
    const runs = await this.#registry.list().catch(() => []);
    return runs.some(({ record }) => record.job?.jobId === jobId);
  }

  /** A run's own message: once it no longer says running, the queue wait and the scheduler's verdict are added to it. */
  async #tellForeign(single: Single): Promise<void> {
    if (!settled(single.story)) return;
    const name = this.options.scheduler.words.name;
    const added = [
      `${name}: ${headline(single.story, single.verdict, name)}`,
      ...details(single.story, single.verdict),
    ];
    const told = await addToRunsMessage(this.options.notify, single.foreign!.postId, added);
    if (told === "waiting" && ++single.foreignTries < FOREIGN_TRIES) return;
    single.finished = true;
    if (told === "told") this.options.info(`${this.#label(single)}: ${added[0]}`);
  }

  async #tail(single: Single): Promise<string | undefined> {
    const { phase } = single.story;
    if (phase !== "running" && phase !== "suspended") return undefined;
    const path = await this.#stdout(single);
    return path ? readTail(path) : undefined;
  }

  /** The job's StdOut file, asked once (scontrol keeps an ended job's for MinJobAge). */
  async #stdout(single: Single): Promise<string | undefined> {
    const { job, jobId } = single.story;
    if (single.stdout === undefined) {
      const named = job.stdout ?? (await this.options.scheduler.job(jobId, QUERY_MS))?.stdout;
      single.stdout = (named && expandOutputPath(named, job, this.options.user)) || null;
    }
    return single.stdout ?? undefined;
  }

  async #tellBoard(board: Board, now: number): Promise<void> {
    const drawn = board.story.message(now);
    const key = threadKey(this.options.scheduler.kind, board.story.arrayId, { array: true });
    if (!board.post && !board.foreign) Object.assign(board, await jobThread(this.#threads, this.options.notify, key));
    // Tasks started after the watch posted draw on its board (run/array/array-reporter.ts): theirs to tell from now on.
    if (board.post && !board.foreign && (await drawnByTasks(board.story.boardId, board.post.id))) {
      const { id: postId, channel_id: channelId } = board.post;
      board.foreign = { key, postId, channelId, server: this.options.notify.serverUrl, by: "run", at: Date.now() };
    }
    // The tasks' own board (their `mmn run`): it tells the array, and the relay closes it.
    if (board.foreign) {
      if (!board.story.done) return;
      board.finished = true;
      this.options.info(`${this.#label(board)}: ${drawn.headline} (the tasks' own board tells it)`);
      return;
    }
    await this.#publish(board, drawn.message, drawn.props, key);
    await this.#tellTaskEnds(board, drawn.headline, now);
    if (!board.story.done) return;
    board.finished = true;
    this.options.info(`${this.#label(board)}: ${drawn.headline}`);
  }

  /** The tasks' ends and the array's end, where the policy pushes them. */
  async #tellTaskEnds(board: Board, headlineNow: string, now: number): Promise<void> {
    const { untold, whole } = taskEnds(this.#policy, board.story, board.told, now);
    if (whole) await this.#reply(board, headlineNow, false);
    else if (untold.length) await this.#reply(board, board.story.endsMessage(untold), false);
    for (const r of untold) board.told.add(r.task);
  }

  /** The message posted (and the job's thread claimed), or edited where its text changed. */
  async #publish(entry: Speaker, text: string, props: Record<string, unknown> | undefined, key: string): Promise<void> {
    const { notify, recipient } = this.options;
    if (entry.post && entry.text === text) return;
    if (entry.post) {
      entry.post = await notify.edit(entry.post, { message: text, ...(props ? { props } : {}) });
    } else {
      entry.post = await notify.send(text, recipient, props ? { props } : {});
      const thread = { key, postId: entry.post.id, channelId: entry.post.channel_id, server: notify.serverUrl };
      await this.#threads.claim({ ...thread, by: "watch", at: Date.now() }).catch((error: unknown) => {
        this.options.warn(`cannot keep the job's thread: ${errorMessage(error)}`);
      });
    }
    entry.text = text;
  }

  /** A reply in the job's thread: it notifies. The end's carries the job's StdOut file, bounded. */
  async #reply(entry: Single | Board, text: string, attach: boolean): Promise<void> {
    const path = attach && !(entry.story instanceof ArrayStory) ? await this.#stdout(entry as Single) : undefined;
    const file = path ? await openForAttach(path, path.slice(path.lastIndexOf("/") + 1) || "stdout.txt") : undefined;
    try {
      await replyTo(this.options.notify, entry.post!, text, file ? [file.file] : []);
    } finally {
      file?.close();
    }
  }

  #label(entry: Single | Board): string {
    return entry.story instanceof ArrayStory ? `array ${entry.story.arrayId}` : `job ${entry.story.jobId}`;
  }
}

/** Events between the listing and the telling, kept beside the entry they are of. */
const pending = new WeakMap<Single | Board, WatchEvent[]>();
