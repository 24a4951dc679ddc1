import type { MessageHook } from "../../hooks/hook-file.ts";
import { deadlineIn } from "../../mattermost/api.ts";
import { FinalDelivery } from "./final-delivery.ts";
import { LiveEdits } from "./live-edits.ts";
import type { RunState } from "./render.ts";
import type { FinalReply, RunReporter } from "./run-reporter.ts";
import { type ReporterOptions, StatusPost } from "./status-post.ts";
import { endEvent, isUrgent } from "./urgent.ts";
import { postUrgent } from "./urgent-post.ts";

/**
 * A run's own status post, kept in step with it: live edits while it goes (live-edits.ts),
 * then the end's delivery (final-delivery.ts), both over the one post (status-post.ts). The
 * server's trouble never reaches the job: the end is always attempted, and says in one line
 * what did not arrive.
 */
export class Reporter implements RunReporter {
  readonly reportsEveryEnd = false;
  readonly #post: StatusPost;
  readonly #live: LiveEdits;
  readonly #end: FinalDelivery;
  /** 🔕: the run's notifying replies stop. */
  #replies: "on" | "off" = "on";

  constructor(private readonly options: ReporterOptions) {
    this.#post = new StatusPost(options);
    this.#live = new LiveEdits(this.#post, options);
    this.#end = new FinalDelivery(this.#post, options);
  }

  /** Where the status post is, once it is out: for --save-hook. */
  get hook(): MessageHook | undefined {
    return this.#post.hook;
  }

  tick(state: RunState, version: string): void {
    this.#live.tick(state, version);
  }

  urgent(state: RunState, version: string): void {
    this.#live.urgent(state, version);
  }

  say(message: string, urgent?: boolean): void {
    if (this.#replies === "on") this.#live.say(message, urgent);
  }

  silence(): void {
    this.#replies = "off";
  }

  answer(message: string): void {
    this.#live.say(message);
  }

  /** From here on the end alone edits; it does not wait for the live edit still on its way. */
  async finish(state: RunState, reply: FinalReply, deadline: number): Promise<void> {
    const live = this.#live.end();
    await this.#end.deliver(state, reply, deadline, live, this.#live.unsaid(), this.#replies === "off");
    if (this.#end.replied) await this.options.registration?.retire();
    // Once the reply is out (a server that did not take it will not take this either), and only after one.
    if (this.#end.notified && isUrgent(endEvent(state), this.options.urgent))
      await postUrgent(this.options, state, this.#post.current, deadlineIn(Math.max(0, deadline - Date.now())));
  }

  abandoned(seconds: number): string | undefined {
    return this.#end.abandoned(seconds);
  }
}
