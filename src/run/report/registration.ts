import { hostname } from "node:os";
import { errorMessage } from "../../base/errors.ts";
import type { MessageHook } from "../../hooks/hook-file.ts";
import { batchMain, processStart } from "../../relay/process.ts";
import { type RunRecord, RunRegistry } from "../../relay/registry.ts";
import { type RunState, runName } from "./render.ts";

/**
 * The run in the registry `mmn relay` reads (relay/registry.ts): one write once the status
 * post exists, one removal once its final word arrived; never in the run's way.
 */
export class Registration {
  #file: Promise<string | undefined> | undefined;

  constructor(
    private readonly options: {
      mention?: string | undefined;
      /** The run's policy as written, for the relay's word. */
      on: string;
      debug: (message: string) => void;
    },
    private readonly registry = new RunRegistry(),
  ) {}

  /** The status post is out: the run is registered, once. */
  register(hook: MessageHook, state: RunState, rootId: string | undefined): void {
    if (this.#file) return;
    const job = state.job;
    const main = batchMain(process.env);
    const record: RunRecord = {
      host: hostname(),
      pid: process.pid,
      startedAt: Date.now(),
      name: runName(state),
      post: {
        postId: hook.postId,
        channelId: hook.channelId,
        server: hook.server ?? "",
        ...(rootId ? { rootId } : {}),
      },
      hookId: hook.id,
      ...(job
        ? {
            job: {
              scheduler: job.scheduler,
              jobId: job.jobId,
              ...(job.arrayJobId ? { arrayJobId: job.arrayJobId } : {}),
              ...(job.arrayTaskId ? { arrayTaskId: job.arrayTaskId } : {}),
            },
          }
        : {}),
      ...(main !== undefined ? { batchMain: main } : {}),
      ...(this.options.mention ? { mention: this.options.mention } : {}),
      on: this.options.on,
    };
    const ticks = processStart("self");
    if (ticks !== undefined) record.startTicks = ticks;
    this.#file = this.registry.register(record).catch((error: unknown) => {
      this.options.debug(`cannot register the run for mmn relay: ${errorMessage(error)}`);
      return undefined;
    });
  }

  /** The final word arrived: nothing is left for a relay to tell. */
  async retire(): Promise<void> {
    const file = await this.#file;
    if (file) await this.registry.retire(file).catch(() => {});
  }
}
