import type { Post } from "@mattermost/types/posts";
import { errorMessage, isTransient, MmnError, NetworkError, ServerError } from "../../errors.ts";
import type { MessageHook } from "../../hooks.ts";
import type { Notify } from "../../notify.ts";
import type { SendOptions } from "../../notify-options.ts";
import type { Recipient } from "../../recipient.ts";
import { type RunState, statusMessage, statusProps } from "./render.ts";
import type { FinalReply, RunReporter } from "./run-reporter.ts";

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
 * server's trouble reach the job: a failure is one warning, and the next tick tries again.
 * The post is kept here, not looked up by id: another run started with the same --id
 * (srun -n4, an array job, a resubmission) replaces the hook on disk, which is only for
 * `mmn update` from elsewhere.
 */
export class Reporter implements RunReporter {
  readonly reportsEveryEnd = false;
  #post: Post | undefined;
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
  /** The end has begun: it alone edits from now on. */
  #ending = false;
  #warned = false;
  /** A refusal that repeating cannot fix (unknown user, no permission): stop asking. */
  #disabled = false;
  #lastVersion: string | undefined;
  /** What the end is up against, for the word when its deadline passes. */
  #lastError: unknown;
  #replied = false;
  /** The reply's request is on its way: at the deadline, it may have been made all the same. */
  #replySending = false;
  /** Why the reply's last attempt failed, if it did. */
  #replyError: unknown;
  /** The end was told not to have been delivered already: the deadline does not say it again. */
  #toldUndelivered = false;
  #threadRoot: Promise<string> | undefined;
  /** What the end had, in seconds, for saying so. */
  #budgetSeconds = 0;

  constructor(private readonly options: ReporterOptions) {}

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
    if (this.#disabled || this.#ending || this.#inFlight || version === this.#lastVersion) return;
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
    if (this.#disabled || this.#ending || !root) return;
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
   */
  async finish(state: RunState, reply: FinalReply, deadline: number): Promise<void> {
    this.#ending = true;
    this.#next = undefined;
    if (this.#disabled) return;
    this.options.notify.retryUntil(deadline);
    this.#budgetSeconds = Math.round((deadline - Date.now()) / 100) / 10;
    const live = this.#inFlight;
    const message = statusMessage(state);
    // A first post still on its way (a command that ended at once) is waited for: sent again,
    // its name lookups would go out twice, and only the server's deduplication save the post.
    if (!this.#post && live) await Promise.race([live, Bun.sleep(Math.max(0, deadline - Date.now()))]);
    if (!this.#post) {
      try {
        await this.#publish(state);
      } catch (error) {
        return this.#undelivered(error);
      }
    }
    await Promise.all([
      this.#reply(reply, state).then(
        () => (this.#replied = true),
        (error: unknown) => this.#undelivered(error),
      ),
      this.#finalEdit(state, message, live, deadline).catch((error: unknown) => this.options.warn(stillRunning(error))),
    ]);
  }

  async #finalEdit(
    state: RunState,
    message: string,
    live: Promise<boolean> | undefined,
    deadline: number,
  ): Promise<void> {
    // Posted just now with the final state: nothing to edit.
    if (this.#post?.message === message) return;
    let done = false;
    const liveAfter = live?.then((sent) => sent && done);
    await this.#publish(state);
    done = true;
    if (!liveAfter) return;
    // Not up to the deadline itself: the final edit is out, and that is no reason to give up loudly.
    const late = await Promise.race([liveAfter, Bun.sleep(Math.max(0, deadline - Date.now() - 50)).then(() => false)]);
    if (late) await this.#publish(state);
  }

  /**
   * What to say when the end's deadline passed with requests still on their way. A reply sent
   * and not answered may have been made by a slow server: "not delivered" would be a guess.
   */
  abandoned(seconds: number): string | undefined {
    const reason = (error: unknown) => (error instanceof Error ? error.message : `no answer within ${seconds} s`);
    if (this.#replied) return stillRunning(reason(this.#lastError));
    if (this.#toldUndelivered) return undefined;
    if (this.#replySending)
      return `the outcome was sent, but no answer came within ${seconds} s: it may not have arrived`;
    return `the outcome was not delivered: ${reason(this.#replyError ?? this.#lastError)} (gave up after ${seconds} s)`;
  }

  /**
   * Said even after the first warning: nothing else tells that the end was never reported.
   * A reply that got no answer before the deadline may have been made all the same.
   */
  #undelivered(error: unknown): void {
    this.#toldUndelivered = true;
    if (this.#replySent(error))
      this.options.warn(
        `the outcome was sent, but no answer came within ${this.#budgetSeconds} s: it may not have arrived`,
      );
    else this.options.warn(`the outcome was not delivered: ${errorMessage(error)}`);
  }

  /** The reply's request went out and its answer was cut off by the deadline (or the connection). */
  #replySent(error: unknown): boolean {
    return error === this.#replyError && error instanceof NetworkError && error.reachedServer;
  }

  async #publish(state: RunState): Promise<void> {
    return this.#noted(this.#publishOnce(state));
  }

  #noted<T>(request: Promise<T>): Promise<T> {
    return request.catch((error: unknown) => {
      this.#lastError = error;
      throw error;
    });
  }

  async #publishOnce(state: RunState): Promise<void> {
    const message = statusMessage(state);
    const props = statusProps(state);
    const current = this.#post;
    if (current) {
      try {
        await this.options.notify.edit(current, { message, props });
        return;
      } catch (error) {
        // An edit of a deleted post is refused (403); the run goes on in a new one.
        if (!(error instanceof ServerError && (error.status === 403 || error.status === 404))) throw error;
        this.#lost(current);
      }
    }
    const thread = await this.#thread();
    const post = await this.#send(message, {
      props,
      pendingPostId: this.#statusKey,
      ...(thread ? { rootId: thread } : {}),
    });
    // A first post still on its way when the end posts the same one: remembered once.
    if (this.#post) return;
    this.#post = post;
    await this.#remember(this.hook!);
  }

  /**
   * The status post is gone (deleted by someone): the next publish makes a new one, which the
   * edits, the reply and the hook on disk follow. It gets a key of its own: the old one names
   * the deleted post, which the server's deduplication would hand back.
   */
  #lost(post: Post): void {
    if (this.#post !== post) return;
    this.#post = undefined;
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

  /** The root of --thread's thread, made once for every run that names it. */
  async #thread(): Promise<string | undefined> {
    const { thread, notify, recipient } = this.options;
    if (thread === undefined) return undefined;
    this.#threadRoot ??= notify.once(thread, `🧵 **${thread}**`, { to: recipient }).then(
      (hook) => hook.rootId || hook.postId,
      (error: unknown) => {
        this.#threadRoot = undefined;
        throw error;
      },
    );
    return this.#threadRoot;
  }

  #send(message: string, options: SendOptions): Promise<Post> {
    const { notify, recipient } = this.options;
    return "user" in recipient
      ? notify.sendToUser(message, recipient.user, options)
      : notify.sendToChannel(message, recipient.channel, options);
  }

  /**
   * A log the server finds too large is sent again smaller, down to a quarter, then without.
   * A status post deleted meanwhile is replaced, with the final state, and the reply goes there.
   */
  async #reply({ text, log, shrink, attachments = [] }: FinalReply, state: RunState): Promise<void> {
    let file = log;
    let extra = attachments;
    let message = text(log?.size);
    let shrunk = 0;
    let replaced = false;
    for (;;) {
      if (!this.#post) await this.#publish(state);
      const root = this.#post!;
      this.#replySending = true;
      try {
        // A log too large is sent again smaller here: the library must not leave it out on its own.
        await this.#noted(
          this.#send(message, {
            rootId: (await this.#thread()) ?? root.id,
            files: [...(file ? [file] : []), ...extra],
            pendingPostId: this.#replyKey,
            oversized: "fail",
          }),
        );
        return;
      } catch (error) {
        this.#replyError = error;
        if (!replaced && error instanceof ServerError && error.serverId === "api.post.create_post.root_id.app_error") {
          replaced = true;
          this.#lost(root);
          continue;
        }
        if (!(error instanceof ServerError && error.status === 413 && (file || extra.length))) throw error;
        // Refused for their size with the log already gone (a proxy's limit the server did not tell): the text goes alone.
        if (!file) {
          extra = [];
          message += "\n(the attached files were too large for the server and are not attached)";
          continue;
        }
        file = shrunk++ < 2 ? shrink(Math.floor(file.size / 2)) : undefined;
        message = file
          ? text(file.size)
          : `${text(undefined)}\n(the log was too large for the server and is not attached)`;
        this.options.debug(`log refused as too large; trying ${file ? `${file.size} bytes` : "without it"}`);
      } finally {
        this.#replySending = false;
      }
    }
  }

  #failed(error: unknown, what: string): void {
    const reason = errorMessage(error);
    if (!isTransient(error)) {
      this.#disabled = true;
      this.options.warn(
        `cannot ${what}: ${reason}${error instanceof MmnError && error.hint ? ` (${error.hint})` : ""}; the command goes on without notifications`,
      );
      return;
    }
    if (!this.#warned) {
      this.#warned = true;
      this.options.warn(`cannot ${what}: ${reason}; the command goes on, mmn keeps trying`);
    } else this.options.debug(`cannot ${what}: ${reason}`);
  }
}

/** The outcome went out in the reply, but the status post did not get its final state. */
function stillRunning(error: unknown): string {
  return `the status message may still say "running": ${errorMessage(error)}`;
}
