import type { Post } from "@mattermost/types/posts";
import { errorMessage, ServerError } from "../../base/errors.ts";
import type { Client } from "../../client/client.ts";
import type { Recipient } from "../../client/recipient.ts";
import type { MessageHook } from "../../hooks/hook-file.ts";
import { JobThreads, sameServer, threadKey } from "../../jobs/threads.ts";
import type { SendOptions } from "../../library/notify-options.ts";
import type { Deadline } from "../../mattermost/api.ts";
import { isQueued } from "../../outbox/courier.ts";
import type { LiveSchedule } from "./edit-pace.ts";
import type { Registration } from "./registration.ts";
import { type RunState, statusMessage, statusProps } from "./render.ts";
import { ThreadRoot } from "./thread-root.ts";
import type { UrgentChoice } from "./urgent.ts";

export interface ReporterOptions {
  notify: Client;
  recipient: Recipient;
  /** Post in the thread of the message known by this id, made first if it is not (a workflow's steps in one thread). */
  thread?: string | undefined;
  /** The hook id the status post is remembered under. */
  id: string;
  /** How often the live edits may go as the run ages (edit-pace.ts); none: at every tick. */
  schedule?: LiveSchedule | undefined;
  /** At the end, how long a server that fails or does not answer is tried (a rate limit: the whole end). */
  unansweredMs?: number | undefined;
  warn: (message: string) => void;
  debug: (message: string) => void;
  /** Where the run is registered for `mmn relay`, once its post is out. */
  registration?: Registration;
  /** Which events are told by an urgent root post (urgent.ts); the default when left out. */
  urgent?: UrgentChoice | undefined;
  /** Named in the urgent post, as in the final reply. */
  mention?: string | undefined;
  /** Where a job's one thread is found by its id (jobs/threads.ts): `mmn watch` may have opened it. */
  threads?: JobThreads;
}

/**
 * The run's one status post, which the live edits and the end share: made once, edited,
 * replaced when someone deleted it, remembered under the run's id.
 * The post is kept here, not looked up by id: another run started with the same --id
 * (srun -n4, an array job, a resubmission) replaces the hook on disk, which is only for
 * `mmn update` from elsewhere.
 */
export class StatusPost {
  #post: Post | undefined;
  /** Status posts this run replaced, thought deleted: the end gives them the outcome too, should one still be there. */
  readonly #former: Post[] = [];
  /**
   * The status post's pending_post_id, the same on every attempt: a post that timed out on
   * our side may still be created by a slow server, and the next attempt must get that post
   * back (the server deduplicates) instead of making a second one.
   */
  #key = `mmn:${crypto.randomUUID()}`;
  readonly #thread: ThreadRoot;
  /** The end's deadline, once the run is ending: every request of the post's is tried until it. */
  #deadline: Deadline | undefined;
  /** The last publish was kept in the outbox, the network failing: `mmn relay` will deliver it. */
  #last: "sent" | "queued" = "sent";
  /** The server refused an edit for the post's age (PostEditTimeLimit): no later edit goes through. */
  #edits: "allowed" | "past-time-limit" = "allowed";

  constructor(private readonly options: ReporterOptions) {
    this.#thread = new ThreadRoot(options.thread, options);
  }

  /** From now on the post's requests are tried again until this deadline: the end of the run. */
  ending(deadline: Deadline): void {
    this.#deadline = deadline;
  }

  /** Why the last parcel was kept in the outbox. */
  get keptBecause(): unknown {
    return this.options.notify.outbox?.courier.lastFailure;
  }

  /** Whether the last publish is waiting in the outbox. */
  get queued(): boolean {
    return this.#last === "queued";
  }

  /** Past the server's PostEditTimeLimit: the post keeps its message, and the end says its state in a reply. */
  get frozen(): boolean {
    return this.#edits === "past-time-limit";
  }

  /** The post, once it is out (or kept in the outbox: a stand-in the outbox's edits and replies follow). */
  get current(): Post | undefined {
    return this.#post;
  }

  /** Where the status post is, once it is out: for --save-hook. */
  get hook(): MessageHook | undefined {
    const post = this.#post;
    if (!post) return undefined;
    const createdAt = new Date(post.create_at || Date.now()).toISOString();
    return {
      id: this.options.id,
      channelId: post.channel_id,
      postId: post.id,
      server: this.options.notify.serverUrl,
      createdAt,
    };
  }

  /** The state, edited into the post, or posted when there is none yet (or it is gone). */
  async publish(state: RunState): Promise<void> {
    const message = statusMessage(state);
    const props = statusProps(state);
    const current = this.#post;
    this.#last = "sent";
    if (current && (await this.#edited(current, { message, props }))) return;
    const thread = (await this.#thread.get(this.#deadline)) ?? (await this.#jobThread(state));
    const first = { props, pendingPostId: this.#key };
    let post: Post;
    try {
      post = await this.send(message, { ...first, ...(thread ? { rootId: thread } : {}) });
    } catch (error) {
      if (!(thread && isRootGone(error))) throw error;
      this.#thread.drop("its first message is gone (deleted?)");
      post = await this.send(message, first);
    }
    this.#last = isQueued(post) ? "queued" : "sent";
    // A first post still on its way when the end posts the same one: remembered once.
    if (this.#post) return;
    this.#post = post;
    await this.#remember(this.hook!);
    this.options.registration?.register(this.hook!, state, post.root_id || undefined);
    if (!post.root_id) await this.#claimJobThread(state, post);
  }

  /** The root of the job's thread when another speaker (`mmn watch`) opened it on this server: the run's status joins it. */
  async #jobThread(state: RunState): Promise<string | undefined> {
    const job = state.job;
    if (!job || this.#post) return undefined;
    const found = await this.#threads.find(threadKey(job.scheduler, job.jobId));
    return found && found.by !== "run" && sameServer(found.server, this.options.notify.serverUrl)
      ? found.postId
      : undefined;
  }

  /** The run's status is its job's thread, for a watcher or the relay to find by the job's id. */
  async #claimJobThread(state: RunState, post: Post): Promise<void> {
    const job = state.job;
    if (!job || isQueued(post)) return;
    const entry = { key: threadKey(job.scheduler, job.jobId), postId: post.id, channelId: post.channel_id };
    await this.#threads
      .claim({ ...entry, server: this.options.notify.serverUrl, by: "run", at: Date.now() })
      .catch((error: unknown) => this.options.debug(`cannot keep the job's thread: ${errorMessage(error)}`));
  }

  get #threads(): JobThreads {
    this.options.threads ??= new JobThreads();
    return this.options.threads;
  }

  /**
   * The status post is gone (deleted by someone): the next publish makes a new one, which the
   * edits, the reply and the hook on disk follow. It gets a key of its own: the old one names
   * the deleted post, which the server's deduplication would hand back.
   */
  lost(post: Post): void {
    if (this.#post !== post) return;
    this.#post = undefined;
    this.#former.push(post);
    this.#key = `mmn:${crypto.randomUUID()}`;
    this.options.warn("the status message is gone (deleted?): the run goes on in a new one");
  }

  /** A status post this run replaced may be there after all (a proxy's 404 told it gone): it must not say "running". */
  async restyleFormer(state: RunState): Promise<void> {
    const patch = { message: statusMessage(state), props: statusProps(state) };
    await Promise.all(
      this.#former.map((post) =>
        this.options.notify
          .edit(post, patch, { deadline: this.#deadline })
          .catch((error: unknown) =>
            this.options.debug(`the replaced status message ${post.id}: ${errorMessage(error)}`),
          ),
      ),
    );
  }

  send(message: string, options: SendOptions & { deadline?: Deadline | undefined }): Promise<Post> {
    return this.options.notify.send(message, this.options.recipient, { deadline: this.#deadline, ...options });
  }

  /**
   * Edits the status post; false when it is gone. A refusal as if it were (403, 404) is
   * checked first: a proxy's 404 on one edit is no deletion, and a second status post would
   * leave the first saying "running".
   */
  async #edited(post: Post, patch: { message: string; props: Record<string, unknown> }): Promise<boolean> {
    const { notify } = this.options;
    // Edits made once the run is ending are its final word: an outbox short of room keeps them.
    // A live edit refused with 429 is the live edits' to slow down for (edit-pace.ts): the next carries a newer state.
    const call = { deadline: this.#deadline, final: this.#deadline !== undefined, ownRateLimit: !this.#deadline };
    try {
      this.#last = isQueued(await notify.edit(post, patch, call)) ? "queued" : "sent";
      return true;
    } catch (error) {
      if (isEditTimeLimit(error) && !this.frozen) {
        this.#edits = "past-time-limit";
        this.options.warn(
          `${errorMessage(error)}: past the server's PostEditTimeLimit the status message keeps its last state, and the end is told in a reply`,
        );
      }
      if (!(error instanceof ServerError && (error.status === 403 || error.status === 404))) throw error;
      const there = await notify.exists(post, { deadline: this.#deadline }).catch(() => undefined);
      // Unknown: the post is kept, and this edit's failure is the one told.
      if (there === undefined) throw error;
      if (!there) {
        this.lost(post);
        return false;
      }
      // Still there: the refusal was not the post's. Once more now; another failure waits for the next try.
      this.#last = isQueued(await notify.edit(post, patch, call)) ? "queued" : "sent";
      return true;
    }
  }

  /** Only `mmn update` from elsewhere needs the hook on disk: a full $HOME must not stop the run's own reports. */
  async #remember(hook: MessageHook): Promise<void> {
    try {
      await this.options.notify.hooks.set(hook);
    } catch (error) {
      const { id } = this.options;
      const reason = errorMessage(error);
      this.options.warn(
        `cannot remember the status message as ${JSON.stringify(id)} (${reason}): \`mmn update --id ${id}\` will not find it; this run goes on reporting`,
      );
    }
  }
}

/** Where a reply to the post goes: in --thread's thread the status post is a reply itself, and its replies join it there. */
export const replyRoot = (post: Post): string => post.root_id || post.id;

/** An edit refused for the post's age: App.UpdatePost's answer past ServiceSettings.PostEditTimeLimit. */
function isEditTimeLimit(error: unknown): boolean {
  return (
    error instanceof ServerError &&
    error.status === 400 &&
    error.serverId === "api.post.update_post.permissions_time_limit.app_error"
  );
}

/** A post in the thread of a post that is no more: refused with this id. */
export function isRootGone(error: unknown): boolean {
  return error instanceof ServerError && error.serverId === "api.post.create_post.root_id.app_error";
}
