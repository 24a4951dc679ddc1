import type { Post } from "@mattermost/types/posts";
import { errorMessage, isTransient, MmnError, ServerError } from "../../errors.ts";
import type { MessageHook } from "../../hooks.ts";
import type { Notify } from "../../notify.ts";
import type { SendOptions } from "../../notify-options.ts";
import type { Recipient } from "../../recipient.ts";
import { type Delivery, PAUSE_MS, passing, persist, undelivered } from "./delivery.ts";
import { type RunState, statusMessage, statusProps } from "./render.ts";
import { ReplyContent } from "./reply-content.ts";
import type { FinalReply, RunReporter } from "./run-reporter.ts";
import { ThreadRoot } from "./thread-root.ts";

export interface ReporterOptions {
  notify: Notify;
  recipient: Recipient;
  /** Post in the thread of the message known by this id, made first if it is not (a workflow's steps in one thread). */
  thread?: string | undefined;
  /** The hook id the status post is remembered under. */
  id: string;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

/**
 * Keeps one status post in step with the run, one request at a time, and never lets the
 * server's trouble reach the job: a failure is one warning, and the next tick tries again,
 * whatever the failure (a 401 for two seconds, a proxy's page): the end is always attempted,
 * and says in one line what did not arrive.
 * The post is kept here, not looked up by id: another run started with the same --id
 * (srun -n4, an array job, a resubmission) replaces the hook on disk, which is only for
 * `mmn update` from elsewhere.
 */
export class Reporter implements RunReporter {
  readonly reportsEveryEnd = false;
  #post: Post | undefined;
  /** Status posts this run replaced, thought deleted: the end gives them the outcome too, should one still be there. */
  #former: Post[] = [];
  /**
   * The status post's pending_post_id, the same on every attempt: a post that timed out on
   * our side may still be created by a slow server, and the next tick's attempt must get
   * that post back (the server deduplicates) instead of making a second one.
   */
  #statusKey = `mmn:${crypto.randomUUID()}`;
  /** The same for the final reply: one the server made but did not answer in time is not made twice. */
  readonly #replyKey = `mmn:${crypto.randomUUID()}`;
  /** The live edit on its way, if any; it resolves to whether it went through. */
  #inFlight: Promise<boolean> | undefined;
  /** An urgent state that came while an edit was on its way: sent right after it. */
  #next: { state: RunState; version: string } | undefined;
  /** Live edits until the end begins; from then on the end alone edits. */
  #phase: "live" | "ending" = "live";
  /** The live edits' trouble was told once: the rest of it goes to --verbose. */
  #warned = false;
  #lastVersion: string | undefined;
  /** The reply that notifies. */
  #reply: Delivery = { state: "not-sent" };
  /** The status post's final state. */
  #final: Delivery = { state: "not-sent" };
  /** What the reply went without, and why, for the end's line. */
  #missing: string | undefined;
  /** The end's line was said (by the end, or at its deadline): not twice. */
  #told = false;
  readonly #thread: ThreadRoot;
  /** What the end had, in seconds, for saying so. */
  #budgetSeconds = 0;

  constructor(private readonly options: ReporterOptions) {
    this.#thread = new ThreadRoot(options.thread, options);
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

  /** Send the state if it changed and nothing is on its way; returns at once. */
  tick(state: RunState, version: string): void {
    if (this.#phase === "ending" || this.#inFlight || version === this.#lastVersion) return;
    this.#inFlight = this.#publish(state)
      .then(() => {
        this.#lastVersion = version;
        return true;
      })
      .catch((error: unknown) => {
        this.#failed(error, this.#post ? "update the status message" : "post the status message");
        return false;
      })
      .finally(() => {
        this.#inFlight = undefined;
        const next = this.#next;
        this.#next = undefined;
        if (next) this.tick(next.state, next.version);
      });
  }

  /**
   * Like tick, but never dropped for an edit on its way: sent right after it. For news that cannot wait for the
   * next tick.
   */
  urgent(state: RunState, version: string): void {
    if (this.#inFlight) this.#next = { state, version };
    else this.tick(state, version);
  }

  /**
   * A reply in the status post's thread, which notifies (the time limit is near): sent once,
   * its failure one warning like a tick's. Not before the status post is out, nor after the end began.
   */
  say(message: string): void {
    const root = this.#post;
    if (this.#phase === "ending" || !root) return;
    // In --thread's thread the status post is a reply itself: the warning joins it there, as the final reply does.
    this.#send(message, { rootId: root.root_id || root.id }).catch((error: unknown) =>
      this.#failed(error, "post a reply"),
    );
  }

  /**
   * The end, each request repeated on transient failures until the deadline (the retry
   * policy's deadline shape, with pauses jittered so an array's tasks refused together do not
   * come back together). The status post comes first
   * when it is not out yet (the reply needs it as its root; a first post still on its way is
   * the same post, by its pending_post_id). Then the reply and the final edit go side by
   * side: the reply is what notifies, on the phone too, so it must not queue behind edits
   * when the server is slow, and the edit only restyles a post already there. The final edit
   * does not wait for a live edit still on its way either; if that one is answered after
   * it, the final state is sent once more, so that "running" never has the last word.
   * Both are attempted whatever the run went through; what did not arrive is one line at the end.
   */
  async finish(state: RunState, reply: FinalReply, deadline: number): Promise<void> {
    this.#phase = "ending";
    this.#next = undefined;
    this.options.notify.retryUntil(deadline);
    this.#budgetSeconds = Math.round(Math.max(0, deadline - Date.now()) / 100) / 10;
    const live = this.#inFlight;
    const message = statusMessage(state);
    // A first post still on its way (a command that ended at once) is waited for: sent again,
    // its name lookups would go out twice, and only the server's deduplication save the post.
    if (!this.#post && live) await Promise.race([live, Bun.sleep(Math.max(0, deadline - Date.now()))]);
    if (!this.#post) {
      try {
        await this.#publish(state);
      } catch (error) {
        this.#reply = this.#final = { state: "failed", error };
        return this.#tell();
      }
    }
    await Promise.all([
      this.#sendReply(reply, state, deadline),
      this.#finalEdit(state, message, live, deadline),
      this.#restyleFormer(state),
    ]);
    this.#tell();
  }

  async #finalEdit(
    state: RunState,
    message: string,
    live: Promise<boolean> | undefined,
    deadline: number,
  ): Promise<void> {
    // Posted just now with the final state: nothing to edit.
    if (this.#post?.message === message) {
      this.#final = { state: "sent" };
      return;
    }
    this.#final = { state: "sending" };
    try {
      let done = false;
      const liveAfter = live?.then((sent) => sent && done);
      await persist(deadline, () => this.#publish(state));
      done = true;
      this.#final = { state: "sent" };
      if (!liveAfter) return;
      // Not up to the deadline itself: the final edit is out, and that is no reason to give up loudly.
      const late = await Promise.race([
        liveAfter,
        Bun.sleep(Math.max(0, deadline - Date.now() - 50)).then(() => false),
      ]);
      if (late) await this.#publish(state);
    } catch (error) {
      this.#final = { state: "failed", error };
    }
  }

  /** A status post this run replaced may be there after all (a proxy's 404 told it gone): it must not say "running". */
  async #restyleFormer(state: RunState): Promise<void> {
    const patch = { message: statusMessage(state), props: statusProps(state) };
    await Promise.all(
      this.#former.map((post) =>
        this.options.notify
          .edit(post, patch)
          .catch((error: unknown) =>
            this.options.debug(`the replaced status message ${post.id}: ${errorMessage(error)}`),
          ),
      ),
    );
  }

  /** What to say when the end's deadline passed with requests still on their way. */
  abandoned(seconds: number): string | undefined {
    if (this.#told) return undefined;
    this.#told = true;
    return undelivered({ reply: this.#reply, final: this.#final, missing: this.#missing, seconds, late: true });
  }

  /** Said even after the live warning: nothing else tells that the end was not, or not all, delivered. */
  #tell(): void {
    if (this.#told) return;
    this.#told = true;
    const line = undelivered({
      reply: this.#reply,
      final: this.#final,
      missing: this.#missing,
      seconds: this.#budgetSeconds,
      late: false,
    });
    if (line) this.options.warn(line);
  }

  async #publish(state: RunState): Promise<void> {
    const message = statusMessage(state);
    const props = statusProps(state);
    const current = this.#post;
    if (current && (await this.#edited(current, { message, props }))) return;
    const thread = await this.#thread.get();
    const first = { props, pendingPostId: this.#statusKey };
    let post: Post;
    try {
      post = await this.#send(message, { ...first, ...(thread ? { rootId: thread } : {}) });
    } catch (error) {
      if (!(thread && isRootGone(error))) throw error;
      this.#thread.drop("its first message is gone (deleted?)");
      post = await this.#send(message, first);
    }
    // A first post still on its way when the end posts the same one: remembered once.
    if (this.#post) return;
    this.#post = post;
    await this.#remember(this.hook!);
  }

  /**
   * Edits the status post; false when it is gone. A refusal as if it were (403, 404) is
   * checked first: a proxy's 404 on one edit is no deletion, and a second status post would
   * leave the first saying "running".
   */
  async #edited(post: Post, patch: { message: string; props: Record<string, unknown> }): Promise<boolean> {
    const { notify } = this.options;
    try {
      await notify.edit(post, patch);
      return true;
    } catch (error) {
      if (!(error instanceof ServerError && (error.status === 403 || error.status === 404))) throw error;
      const there = await notify.exists(post).catch(() => undefined);
      // Unknown: the post is kept, and this edit's failure is the one told.
      if (there === undefined) throw error;
      if (!there) {
        this.#lost(post);
        return false;
      }
      // Still there: the refusal was not the post's. Once more now; another failure waits for the next try.
      await notify.edit(post, patch);
      return true;
    }
  }

  /**
   * The status post is gone (deleted by someone): the next publish makes a new one, which the
   * edits, the reply and the hook on disk follow. It gets a key of its own: the old one names
   * the deleted post, which the server's deduplication would hand back.
   */
  #lost(post: Post): void {
    if (this.#post !== post) return;
    this.#post = undefined;
    this.#former.push(post);
    this.#statusKey = `mmn:${crypto.randomUUID()}`;
    this.options.warn("the status message is gone (deleted?): the run goes on in a new one");
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

  #send(message: string, options: SendOptions): Promise<Post> {
    const { notify, recipient } = this.options;
    return "user" in recipient
      ? notify.sendToUser(message, recipient.user, options)
      : notify.sendToChannel(message, recipient.channel, options);
  }

  async #sendReply(reply: FinalReply, state: RunState, deadline: number): Promise<void> {
    try {
      await this.#replyOnce(reply, state, deadline);
      this.#reply = { state: "sent" };
    } catch (error) {
      this.#reply = { state: "failed", error };
    }
  }

  /** A status post deleted meanwhile is replaced, with the final state, and the reply goes there. */
  async #replyOnce(reply: FinalReply, state: RunState, deadline: number): Promise<void> {
    const content = new ReplyContent(reply, this.options.debug);
    let replaced = false;
    for (;;) {
      if (!this.#post) await this.#publish(state);
      const root = this.#post!;
      this.#reply = { state: "sending" };
      // The files stop short of the deadline: the time kept back is for the reply without them, should they not get through.
      const left = Math.max(0, deadline - Date.now());
      this.options.notify.retryUntil(deadline, deadline - Math.max(Math.min(1000, left / 3), left / 4));
      try {
        // A log too large is sent again smaller here: the library must not leave it out on its own.
        await this.#send(content.message, {
          // In --thread's thread the status post is a reply itself: the outcome joins it there.
          rootId: root.root_id || root.id,
          files: content.files,
          pendingPostId: this.#replyKey,
          oversized: "fail",
        });
        this.#missing = content.missing;
        return;
      } catch (error) {
        this.#reply = { state: "failed", error };
        if (!replaced && isRootGone(error)) {
          replaced = true;
          this.#lost(root);
          continue;
        }
        if (content.lessAfter(error)) continue;
        if (!passing(error, deadline)) throw error;
        await Bun.sleep(PAUSE_MS);
      }
    }
  }

  #failed(error: unknown, what: string): void {
    const reason = errorMessage(error);
    if (this.#warned) return this.options.debug(`cannot ${what}: ${reason}`);
    this.#warned = true;
    const hint = !isTransient(error) && error instanceof MmnError && error.hint ? ` (${error.hint})` : "";
    this.options.warn(`cannot ${what}: ${reason}${hint}; the command goes on, mmn keeps trying`);
  }
}

/** A post in the thread of a post that is no more: refused with this id. */
function isRootGone(error: unknown): boolean {
  return error instanceof ServerError && error.serverId === "api.post.create_post.root_id.app_error";
}
