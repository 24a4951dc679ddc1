import { errorMessage } from "../../base/errors.ts";
import { deadlineIn } from "../../mattermost/api.ts";
import { isQueued } from "../../outbox/courier.ts";
import { type Delivery, PAUSE_MS, passing, persist, undelivered } from "./delivery.ts";
import { type RunState, statusMessage, statusProps } from "./render.ts";
import { ReplyContent } from "./reply-content.ts";
import type { FinalReply } from "./run-reporter.ts";
import { isRootGone, type ReporterOptions, replyRoot, type StatusPost } from "./status-post.ts";

/**
 * The end over the status post: the reply that notifies and the final edit, each request
 * repeated on transient failures until the deadline, and one line at the end on what did
 * not arrive (or, at the deadline, on what was still on its way).
 */
export class FinalDelivery {
  /** The reply that notifies. */
  #reply: Delivery = { state: "not-sent" };
  /** The status post's final state. */
  #final: Delivery = { state: "not-sent" };
  /** What the reply went without, and why, for the end's line. */
  #missing: string | undefined;
  /** The end's line, said by the end or at its deadline: not twice. */
  #line: "unsaid" | "said" = "unsaid";
  /** What the end had, in seconds, for saying so. */
  #budgetSeconds = 0;
  /** The same for the final reply: one the server made but did not answer in time is not made twice. */
  readonly #replyKey = `mmn:${crypto.randomUUID()}`;
  /** The final state's reply, when the status post may no longer be edited: made once too. */
  readonly #stateKey = `mmn:${crypto.randomUUID()}`;
  /** What the end owes: a reply that notifies, or (the policy pushes nothing at this end) the final edit alone. */
  #owed: "reply" | "edit" = "reply";

  constructor(
    private readonly post: StatusPost,
    private readonly options: ReporterOptions,
  ) {}

  /**
   * The retry policy's deadline shape, with pauses jittered so an array's tasks refused
   * together do not come back together. The status post comes first when it is not out yet
   * (the reply needs it as its root; a first post still on its way is the same post, by its
   * pending_post_id). Then the reply and the final edit go side by side: the reply is what
   * notifies, on the phone too, so it must not queue behind edits when the server is slow,
   * and the edit only restyles a post already there. The final edit does not wait for the
   * live edit still on its way either; if that one is answered after it, the final state is
   * sent once more, so that "running" never has the last word.
   * Both are attempted whatever the run went through; what did not arrive is one line at the end.
   */
  async deliver(
    state: RunState,
    reply: FinalReply,
    deadline: number,
    live: Promise<boolean> | undefined,
    unsaid: readonly string[] = [],
    silenced = false,
  ) {
    // Silenced from the phone (🔕), or an end the policy does not push: the status post alone tells it.
    this.#owed = reply.quiet || silenced ? "edit" : "reply";
    this.post.ending(this.#end(deadline));
    this.#budgetSeconds = Math.round(Math.max(0, deadline - Date.now()) / 100) / 10;
    const message = statusMessage(state);
    // A first post still on its way (a command that ended at once) is waited for: sent again,
    // its name lookups would go out twice, and only the server's deduplication save the post.
    if (!this.post.current && live) await Promise.race([live, Bun.sleep(Math.max(0, deadline - Date.now()))]);
    if (!this.post.current) {
      try {
        await this.post.publish(state);
      } catch (error) {
        this.#reply = this.#final = { state: "failed", error };
        return this.#tell();
      }
    }
    // The end's time for a server that does not answer counts from here, where the reply starts.
    this.post.ending(this.#end(deadline));
    // The start's reply (--on begin) of a command that ended before its status post was out: before the end's.
    for (const message of unsaid)
      await this.post
        .send(message, { rootId: replyRoot(this.post.current!), deadline: this.#end(deadline) })
        .catch((error: unknown) => this.options.debug(`the start's reply was not sent: ${errorMessage(error)}`));
    await Promise.all([
      this.#owed === "edit" ? undefined : this.#sendReply(reply, state, deadline),
      this.#finalEdit(state, message, live, deadline),
      this.post.restyleFormer(state),
    ]);
    this.#tell();
  }

  /** The end's deadline (Date.now() time) as the requests take it; files stop `filesShortMs` before it. */
  #end(deadline: number, filesShortMs?: number) {
    return deadlineIn(deadline - Date.now(), {
      ...(this.options.unansweredMs !== undefined ? { unansweredMs: this.options.unansweredMs } : {}),
      ...(filesShortMs !== undefined ? { filesShortMs } : {}),
    });
  }

  /** Whether the reply that notifies arrived (or, with none asked for, the final edit): the run's final word is out. */
  get replied(): boolean {
    return this.#told.state === "sent";
  }

  /**
   * Whether the end's reply, which notifies, went out: an urgent post may follow only it (an end
   * the policy keeps quiet, or one silenced from the phone, pushes nothing at all).
   */
  get notified(): boolean {
    return this.#owed === "reply" && this.#reply.state === "sent";
  }

  /** The reply, or with none owed the final edit, which then tells the end alone. */
  get #told(): Delivery {
    return this.#owed === "edit" ? this.#final : this.#reply;
  }

  /** What to say when the end's deadline passed with requests still on their way. */
  abandoned(seconds: number): string | undefined {
    if (this.#line === "said") return undefined;
    this.#line = "said";
    return undelivered({ reply: this.#told, final: this.#final, missing: this.#missing, seconds, late: true });
  }

  /** Said even after the live warning: nothing else tells that the end was not, or not all, delivered. */
  #tell(): void {
    if (this.#line === "said") return;
    this.#line = "said";
    const line = undelivered({
      reply: this.#told,
      final: this.#final,
      missing: this.#missing,
      seconds: this.#budgetSeconds,
      late: false,
    });
    if (line) this.options.warn(line);
  }

  async #finalEdit(state: RunState, message: string, live: Promise<boolean> | undefined, deadline: number) {
    // Posted just now with the final state: nothing to edit.
    if (this.post.current?.message === message) {
      this.#final = { state: this.post.queued ? "queued" : "sent" };
      return;
    }
    this.#final = { state: "sending" };
    if (this.post.frozen) return this.#stateReply(state, message, deadline);
    try {
      let done = false;
      const liveAfter = live?.then((sent) => sent && done);
      await persist(deadline, () => this.post.publish(state));
      done = true;
      this.#final = { state: this.post.queued ? "queued" : "sent" };
      if (!liveAfter) return;
      // Not up to the deadline itself: the final edit is out, and that is no reason to give up loudly.
      const late = await Promise.race([
        liveAfter,
        Bun.sleep(Math.max(0, deadline - Date.now() - 50)).then(() => false),
      ]);
      if (late) await this.post.publish(state);
    } catch (error) {
      if (this.post.frozen) return this.#stateReply(state, message, deadline);
      this.#final = { state: "failed", error };
    }
  }

  /** The status post may no longer be edited (PostEditTimeLimit): its final state, card and all, is a reply in its thread. */
  async #stateReply(state: RunState, message: string, deadline: number): Promise<void> {
    try {
      const root = this.post.current!;
      const sent = await persist(deadline, () =>
        this.post.send(message, { rootId: replyRoot(root), props: statusProps(state), pendingPostId: this.#stateKey }),
      );
      this.#final = { state: isQueued(sent) ? "queued" : "sent" };
    } catch (error) {
      this.#final = { state: "failed", error };
    }
  }

  async #sendReply(reply: FinalReply, state: RunState, deadline: number): Promise<void> {
    try {
      const queued = await this.#replyOnce(reply, state, deadline);
      this.#reply = { state: queued ? "queued" : "sent" };
    } catch (error) {
      this.#reply = { state: "failed", error };
    }
  }

  /** A status post deleted meanwhile is replaced, with the final state, and the reply goes there. Whether it was kept in the outbox. */
  async #replyOnce(reply: FinalReply, state: RunState, deadline: number): Promise<boolean> {
    const content = new ReplyContent(reply, this.options.debug);
    let replaced = false;
    for (;;) {
      if (!this.post.current) await this.post.publish(state);
      const root = this.post.current!;
      this.#reply = { state: "sending" };
      // The files stop short of the deadline: the time kept back is for the reply without them, should they not get through.
      const left = Math.max(0, deadline - Date.now());
      const end = this.#end(deadline, Math.max(Math.min(1000, left / 3), left / 4));
      try {
        // A log too large is sent again smaller here: the library must not leave it out on its own.
        const sent = await this.post.send(content.message, {
          rootId: replyRoot(root),
          files: content.files,
          pendingPostId: this.#replyKey,
          oversized: "fail",
          deadline: end,
        });
        this.#missing = content.missing;
        return isQueued(sent);
      } catch (error) {
        this.#reply = { state: "failed", error };
        if (!replaced && isRootGone(error)) {
          replaced = true;
          this.post.lost(root);
          continue;
        }
        if (content.lessAfter(error)) continue;
        if (!passing(error, deadline)) throw error;
        await Bun.sleep(PAUSE_MS);
      }
    }
  }
}
