import type { Post } from "@mattermost/types/posts";
import { MmnError, NetworkError, ServerError } from "../errors.ts";
import type { FileInput } from "../files.ts";
import type { MessageHook } from "../hooks.ts";
import * as rest from "../mattermost/endpoints.ts";
import type { Notify, SendOptions } from "../notify.ts";
import { statusMessage, statusProps, type RunState } from "./render.ts";

export interface ReporterOptions {
  notify: Notify;
  target: { user?: string; channel?: string };
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
export class Reporter {
  #post: Post | undefined;
  /**
   * The status post's pending_post_id, the same on every attempt: a post that timed out on
   * our side may still be created by a slow server, and the next tick's attempt must get
   * that post back (the server deduplicates) instead of making a second one.
   */
  readonly #statusKey = `mmn:${crypto.randomUUID()}`;
  #inFlight: Promise<void> | undefined;
  #warned = false;
  /** A refusal that repeating cannot fix (unknown user, no permission): stop asking. */
  #disabled = false;
  #lastVersion: string | undefined;

  constructor(private readonly options: ReporterOptions) {}

  /** Where the status post is, once it is out: for --save-hook. */
  get hook(): MessageHook | undefined {
    const post = this.#post;
    if (!post) return undefined;
    const createdAt = new Date(post.create_at || Date.now()).toISOString();
    return { id: this.options.id, channelId: post.channel_id, postId: post.id, server: this.options.notify.api.serverUrl, createdAt };
  }

  /** Send the state if it changed and nothing is on its way; returns at once. */
  tick(state: RunState, version: string): void {
    if (this.#disabled || this.#inFlight || version === this.#lastVersion) return;
    this.#inFlight = this.#publish(state)
      .then(() => {
        this.#lastVersion = version;
      })
      .catch((error: unknown) => this.#failed(error, this.#post ? "update the status message" : "post the status message"))
      .finally(() => {
        this.#inFlight = undefined;
      });
  }

  /** The end: final state on the status post, then a reply that notifies, with the log. */
  async finish(state: RunState, reply: { text: string; log?: FileInput & { size: number }; shrink: (size: number) => FileInput & { size: number } }): Promise<void> {
    await this.#inFlight?.catch(() => undefined);
    if (this.#disabled) return;
    try {
      await this.#publish(state);
    } catch (error) {
      if (!this.#post) return this.#undelivered(error);
      this.#failed(error, "send the final status");
    }
    await this.#reply(reply.text, reply.log, reply.shrink).catch((error: unknown) => this.#undelivered(error));
  }

  /** Said even after the first warning: nothing else tells that the end was never reported. */
  #undelivered(error: unknown): void {
    this.options.warn(`the outcome was not delivered: ${error instanceof Error ? error.message : String(error)}`);
  }

  async #publish(state: RunState): Promise<void> {
    const message = statusMessage(state);
    const props = statusProps(state);
    if (this.#post) {
      await rest.patchPost(this.options.notify.api, this.#post.id, { message, props });
      return;
    }
    this.#post = await this.#send(message, { props, pendingPostId: this.#statusKey });
    await this.#remember(this.hook!);
  }

  /** Only `mmn update` from elsewhere needs the hook on disk: a full $HOME must not stop the run's own reports. */
  async #remember(hook: MessageHook): Promise<void> {
    try {
      await this.options.notify.hooks.set(hook);
    } catch (error) {
      const { id } = this.options;
      const reason = error instanceof Error ? error.message : String(error);
      this.options.warn(`cannot remember the status message as ${JSON.stringify(id)} (${reason}): \`mmn update --id ${id}\` will not find it; this run goes on reporting`);
    }
  }

  #send(message: string, options: SendOptions): Promise<Post> {
    const { notify, target } = this.options;
    return target.user ? notify.sendToUser(message, target.user, options) : notify.sendToChannel(message, target.channel, options);
  }

  /** A log the server finds too large is sent again smaller, down to a quarter, then without. */
  async #reply(text: string, log: (FileInput & { size: number }) | undefined, shrink: (size: number) => FileInput & { size: number }): Promise<void> {
    let file = log;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#send(text, { rootId: this.#post!.id, files: file ? [file] : [] });
        return;
      } catch (error) {
        if (!(error instanceof ServerError && error.status === 413 && file)) throw error;
        file = attempt < 2 ? shrink(Math.floor(file.size / 2)) : undefined;
        if (!file) text += "\n(the log was too large for the server and is not attached)";
        this.options.debug(`log refused as too large; trying ${file ? `${file.size} bytes` : "without it"}`);
      }
    }
  }

  #failed(error: unknown, what: string): void {
    const permanent = error instanceof MmnError && !(error instanceof NetworkError) && !(error instanceof ServerError && (error.status === 429 || error.status >= 500));
    const reason = error instanceof Error ? error.message : String(error);
    if (permanent) {
      this.#disabled = true;
      this.options.warn(`cannot ${what}: ${reason}${error instanceof MmnError && error.hint ? ` (${error.hint})` : ""}; the command goes on without notifications`);
      return;
    }
    if (!this.#warned) {
      this.#warned = true;
      this.options.warn(`cannot ${what}: ${reason}; the command goes on, mmn keeps trying`);
    } else this.options.debug(`cannot ${what}: ${reason}`);
  }
}
