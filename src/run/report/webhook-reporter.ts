import { errorMessage } from "../../base/errors.ts";
import type { Client } from "../../client/client.ts";
import type { Recipient } from "../../client/recipient.ts";
import { MAX_MESSAGE_RUNES } from "../../client/split.ts";
import type { MessageHook } from "../../hooks/hook-file.ts";
import { deadlineIn } from "../../mattermost/api.ts";
import type { PostPriority } from "../../mattermost/endpoints.ts";
import { OnceWarning } from "./once-warning.ts";
import { type RunState, statusMessage } from "./render.ts";
import type { FinalReply, RunReporter } from "./run-reporter.ts";
import { endEvent, isUrgent, type UrgentChoice } from "./urgent.ts";
import { withPriority } from "./urgent-post.ts";

export interface WebhookReporterOptions {
  notify: Client;
  /** Undefined: the hook's own channel. */
  recipient: Recipient | undefined;
  mention?: string | undefined;
  /** Which ends go with urgent priority (urgent.ts): a webhook's post is a root post, which may carry one. */
  urgent?: UrgentChoice | undefined;
  /** The server's limit on one post, in runes. */
  maxRunes?: number;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

/**
 * A run told through an incoming webhook, which can neither edit, reply nor upload: a start
 * message, then a final one with the outcome and the tail inline, both new posts, the final
 * one within the server's limit on a post (the tail loses its first lines until it fits), with
 * urgent priority for a failure where the server allows it.
 * Progress between them goes unsaid; the log stays on disk.
 */
export class WebhookReporter implements RunReporter {
  readonly hook: MessageHook | undefined = undefined;
  readonly reportsEveryEnd = false;
  #start: Promise<void> | undefined;
  #final: "not-sent" | "sending" | "sent" = "not-sent";
  readonly #trouble: OnceWarning;

  constructor(private readonly options: WebhookReporterOptions) {
    this.#trouble = new OnceWarning(options.warn, options.debug);
  }

  /** The first tick is the start message; the rest cannot be told (no edits). */
  tick(state: RunState, _version: string): void {
    this.#start ??= this.#send(statusMessage({ ...state, tail: undefined })).then(
      () => {},
      (error: unknown) =>
        this.#trouble.say(`could not post the start message: ${errorMessage(error)}`, errorMessage(error)),
    );
  }

  urgent(_state: RunState, _version: string): void {}

  /** The time limit near: a message of its own, as a reply would be; urgent, with priority where the server allows. */
  say(message: string, urgent = false): void {
    const { debug } = this.options;
    const sent = urgent
      ? withPriority((priority) => this.#send(message, undefined, priority), debug, "the news")
      : Promise.resolve(undefined);
    void sent
      .then((went) => (went ? undefined : this.#send(message)))
      .catch((error: unknown) =>
        this.#trouble.say(`could not post a message: ${errorMessage(error)}`, errorMessage(error)),
      );
  }

  async finish(state: RunState, _reply: FinalReply, deadline: number): Promise<void> {
    const mention = this.options.mention ? `@${this.options.mention} ` : "";
    const room = (this.options.maxRunes ?? MAX_MESSAGE_RUNES) - [...mention].length;
    // After the start message, not beside it: the channel reads them in order.
    if (this.#start) await Promise.race([this.#start, Bun.sleep(Math.max(0, deadline - Date.now()))]);
    this.#final = "sending";
    const message = `${mention}${statusMessage(state, room)}`;
    try {
      // Refused with every priority (or failed otherwise): once more as a plain post.
      const urgent = isUrgent(endEvent(state), this.options.urgent)
        ? await withPriority((priority) => this.#send(message, deadline, priority), this.options.debug)
        : undefined;
      if (!urgent) await this.#send(message, deadline);
      this.#final = "sent";
    } catch (error) {
      this.#final = "not-sent";
      this.options.warn(`the outcome was not delivered through the webhook: ${errorMessage(error)}`);
    }
  }

  abandoned(seconds: number): string | undefined {
    return this.#final === "sending"
      ? `the outcome was sent through the webhook, but no answer came within ${seconds} s: it may not have arrived`
      : undefined;
  }

  #send(message: string, deadline?: number, priority?: PostPriority): Promise<unknown> {
    const { notify, recipient } = this.options;
    const call = {
      ...(deadline === undefined ? {} : { deadline: deadlineIn(Math.max(0, deadline - Date.now())) }),
      ...(priority ? { priority } : {}),
    };
    if (!notify.webhook) return Promise.reject(new Error("no incoming webhook is configured"));
    return notify.webhook.message(message, recipient, call);
  }
}
