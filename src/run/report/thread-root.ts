import { errorMessage, UsageError } from "../../base/errors.ts";
import type { Client } from "../../client/client.ts";
import type { Recipient } from "../../client/recipient.ts";
import type { Deadline } from "../../mattermost/api.ts";

/**
 * The root of --thread's thread, made once for every run that names it. A root that cannot
 * be used (its hook corrupt or not ours, the post deleted) costs one warning, and the run
 * reports in a message of its own: a step of a workflow must not go unreported for its thread.
 */
export class ThreadRoot {
  #name: string | undefined;
  #root: Promise<string | undefined> | undefined;

  constructor(
    name: string | undefined,
    private readonly options: { notify: Client; recipient: Recipient; warn: (message: string) => void },
  ) {
    this.#name = name;
  }

  /** The root post's id, or undefined for a post of the run's own. */
  get(deadline?: Deadline): Promise<string | undefined> {
    const name = this.#name;
    if (name === undefined) return Promise.resolve(undefined);
    const { notify, recipient } = this.options;
    this.#root ??= notify.once(name, `🧵 **${name}**`, { to: recipient, deadline }).then(
      (hook) => hook.rootId || hook.postId,
      (error: unknown) => {
        this.#root = undefined;
        // A hook that cannot be read stays so; a server's trouble may pass, and the next try asks again.
        if (!(error instanceof UsageError)) throw error;
        this.drop(`its hook cannot be used (${errorMessage(error)})`);
        return undefined;
      },
    );
    return this.#root;
  }

  drop(why: string): void {
    if (this.#name === undefined) return;
    this.options.warn(`--thread ${JSON.stringify(this.#name)}: ${why}: this run reports in a message of its own`);
    this.#name = undefined;
    this.#root = undefined;
  }
}
