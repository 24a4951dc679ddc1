import type { Post } from "@mattermost/types/posts";
import { errorMessage, isTransient, MmnError, ServerError } from "../../base/errors.ts";
import { EditPace } from "./edit-pace.ts";
import { OnceWarning } from "./once-warning.ts";
import type { RunState } from "./render.ts";
import { type ReporterOptions, replyRoot, type StatusPost } from "./status-post.ts";
import { urgentMessage, withPriority } from "./urgent-post.ts";

type Edit = { state: RunState; version: string };
type News = { message: string; urgent: boolean };

/**
 * Where the live edits stand: one request at a time (an urgent state that comes meanwhile is
 * sent right after it), and none once the end began, which keeps the edit still on its way.
 */
type Live =
  | { name: "idle" }
  | { name: "in-flight"; edit: Promise<boolean>; next?: Edit }
  | { name: "ending"; inFlight: Promise<boolean> | undefined };

/**
 * The status post kept in step with the run while it goes, never letting the server's
 * trouble reach the job: a failure is one warning, and the next tick tries again, whatever
 * the failure (a 401 for two seconds, a proxy's page).
 */
export class LiveEdits {
  #live: Live = { name: "idle" };
  #lastVersion: string | undefined;
  /** Replies asked for before the status post was out (the start's): sent once it is. */
  readonly #waiting: News[] = [];
  readonly #trouble: OnceWarning;
  /** Undefined: every tick may edit (an array's board paces itself). */
  readonly #pace: EditPace | undefined;

  constructor(
    private readonly post: StatusPost,
    private readonly options: Pick<ReporterOptions, "notify" | "recipient" | "warn" | "debug" | "schedule">,
  ) {
    this.#trouble = new OnceWarning(options.warn, options.debug);
    this.#pace = options.schedule && new EditPace(options.schedule);
  }

  /** Send the state if it changed, the pace allows and nothing is on its way; returns at once. */
  tick(state: RunState, version: string): void {
    if (!this.post.current || this.#pace?.due(state.at.getTime() - state.startedAt.getTime()) !== false)
      this.#send(state, version);
  }

  #send(state: RunState, version: string): void {
    // Past the server's PostEditTimeLimit no edit goes through: the end replies instead.
    if (this.#live.name !== "idle" || version === this.#lastVersion || this.post.frozen) return;
    const posted = Boolean(this.post.current);
    if (posted) this.#pace?.started();
    const edit = this.post
      .publish(state)
      .then(() => {
        this.#lastVersion = version;
        this.#pace?.went();
        for (const news of this.#waiting.splice(0)) this.say(news.message, news.urgent);
        if (this.post.queued) this.#kept(posted ? "update the status message" : "post the status message");
        return true;
      })
      .catch((error: unknown) => {
        if (this.#limited(error) || this.post.frozen) return false;
        this.#failed(error, this.post.current ? "update the status message" : "post the status message");
        return false;
      })
      .finally(() => {
        const live = this.#live;
        if (live.name !== "in-flight") return;
        this.#live = { name: "idle" };
        if (live.next) this.#send(live.next.state, live.next.version);
      });
    this.#live = { name: "in-flight", edit };
  }

  /** Like tick, but never dropped for the pace or an edit on its way: sent right after it. For news that cannot wait. */
  urgent(state: RunState, version: string): void {
    const live = this.#live;
    if (live.name === "in-flight") live.next = { state, version };
    else this.#send(state, version);
  }

  /**
   * A 429 (answered, or kept in the outbox for it) slows the live edits down rather than being
   * tried again at every tick: the edit that was refused is only the state of a moment ago.
   */
  #limited(error: unknown): boolean {
    if (!(this.#pace && error instanceof ServerError && error.status === 429)) return false;
    const slowdown = this.#pace.limited(error.retryAfterMs);
    this.options.debug(`the server limits requests (429): live edits ${slowdown} times further apart`);
    return true;
  }

  /**
   * A reply in the status post's thread, which notifies (the time limit is near): sent once,
   * its failure one warning like a tick's. Once the status post is out, not after the end began.
   * Urgent (--urgent): a root post with priority linking the thread instead, one push for one
   * piece of news; the reply where the server allows no priority.
   */
  say(message: string, urgent = false): void {
    const root = this.post.current;
    if (this.#live.name === "ending") return;
    if (!root) {
      this.#waiting.push({ message, urgent });
      return;
    }
    if (urgent) void this.#urgently(message, root);
    else this.#reply(message, root);
  }

  #reply(message: string, root: Post): void {
    this.post.send(message, { rootId: replyRoot(root) }).catch((error: unknown) => this.#failed(error, "post a reply"));
  }

  async #urgently(message: string, root: Post): Promise<void> {
    const { notify, recipient, debug } = this.options;
    const text = urgentMessage(message, notify.serverUrl, root);
    const went = await withPriority((priority) => notify.send(text, recipient, { priority }), debug, "the news");
    if (!went) this.#reply(message, root);
  }

  /** The replies asked for that the status post was not out for yet: the end sends them before its own. */
  unsaid(): string[] {
    return this.#waiting.splice(0).map((news) => news.message);
  }

  /** The end begins: no more live edits. Returns the one still on its way, resolving to whether it went through. */
  end(): Promise<boolean> | undefined {
    const live = this.#live;
    const inFlight = live.name === "in-flight" ? live.edit : live.name === "ending" ? live.inFlight : undefined;
    this.#live = { name: "ending", inFlight };
    return inFlight;
  }

  /** Kept in the outbox, the network failing: said once, like a failure, with what the network said. */
  #kept(what: string): void {
    const reason = errorMessage(this.post.keptBecause);
    this.#trouble.say(
      `cannot ${what}: ${reason}; it waits in the outbox, and mmn keeps trying`,
      `cannot ${what}: ${reason} (kept in the outbox)`,
    );
  }

  #failed(error: unknown, what: string): void {
    const reason = errorMessage(error);
    const hint = !isTransient(error) && error instanceof MmnError && error.hint ? ` (${error.hint})` : "";
    this.#trouble.say(
      `cannot ${what}: ${reason}${hint}; the command goes on, mmn keeps trying`,
      `cannot ${what}: ${reason}`,
    );
  }
}
