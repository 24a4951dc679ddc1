import { errorMessage } from "../../base/errors.ts";
import type { Client } from "../../client/client.ts";
import { isQueued } from "../../outbox/courier.ts";
import type { ChildHandle } from "../process/child.ts";
import { type ReactionCommand, ReactionCommands } from "../report/reaction-commands.ts";
import { statusMessage } from "../report/render.ts";
import type { RunReporter } from "../report/run-reporter.ts";
import type { RunProgress } from "./progress.ts";

export interface ControlOptions {
  notify: Client;
  reporter: RunReporter;
  /** Who may control the run: usernames (the DM's recipient, or `control=`). */
  users: readonly string[];
  progress: RunProgress;
  child: ChildHandle;
  /** After 🛑's SIGTERM, the SIGKILL follows this much later if the command is still there (Slurm's KillWait). */
  graceMs: number;
  debug: (message: string) => void;
}

/**
 * The status post as a control panel, without any inbound connection to the node: at each tick
 * its reactions are read (one GET, one at a time), and those of the users allowed act on the run.
 * A failure to read them is said only with --verbose: the live edits tell the server's trouble.
 */
export class RunControl {
  #reading: Promise<void> | undefined;
  #commands: Promise<ReactionCommands> | undefined;

  constructor(private readonly options: ControlOptions) {}

  tick(): void {
    const postId = this.options.reporter.hook?.postId;
    if (this.#reading || !postId || isQueued({ id: postId })) return;
    this.#reading = this.#read(postId)
      .catch((error: unknown) =>
        this.options.debug(`cannot read the status message's reactions: ${errorMessage(error)}`),
      )
      .finally(() => {
        this.#reading = undefined;
      });
  }

  async #read(postId: string): Promise<void> {
    const { notify } = this.options;
    const commands = await this.#allowed();
    const reactions = await notify.panel.reactions(postId);
    for (const command of commands.read(reactions)) this.#act(command);
  }

  /** The users' ids, asked once (a name the server does not know is left out, and said with --verbose). */
  #allowed(): Promise<ReactionCommands> {
    this.#commands ??= (async () => {
      const ids = new Map<string, string>();
      for (const name of this.options.users) {
        const user = await this.options.notify.panel.user(name).catch((error: unknown) => {
          this.options.debug(`control: ${errorMessage(error)}`);
          return undefined;
        });
        if (user) ids.set(user.id, user.username);
      }
      return new ReactionCommands(ids);
    })().catch((error: unknown) => {
      this.#commands = undefined;
      throw error;
    });
    return this.#commands;
  }

  #act({ kind, by }: ReactionCommand): void {
    const { reporter, progress, child, debug } = this.options;
    debug(`control: ${kind} asked by @${by}`);
    if (kind === "silence") reporter.silence?.();
    else if (kind === "tail") reporter.answer?.(statusMessage(progress.state("running")));
    else {
      progress.stoppedFromChat(by);
      child.signal("SIGTERM");
      setTimeout(() => child.signal("SIGKILL"), this.options.graceMs).unref();
    }
  }
}
