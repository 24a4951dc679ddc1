import { constants, userInfo } from "node:os";
import { UsageError } from "../base/errors.ts";
import { pickRecipient } from "../client/recipient.ts";
import { MemoryHookStore } from "../hooks/hooks.ts";
import { watcher as follow } from "../run/index.ts";
import { installedScheduler } from "../scheduler/schedulers.ts";
import { DEFAULT_POLL_S, pollSeconds, targetFlags, targetOf } from "./_shared.ts";
import { defineCommand } from "./command.ts";
import { connect } from "./connect.ts";
import { configSettings, flagSettings, ON_FLAG } from "./run-options.ts";
import { watchPollMs } from "./run-timing.ts";
import { print, ui } from "./ui.ts";

/** Exit code when a followed job failed, was cancelled, timed out, will never run, or is unknown. */
export const JOB_FAILED_EXIT = 4;

export default defineCommand({
  name: "mmn watch",
  description: `On a login node: follows jobs that mmn does not wrap, one message per job edited as it goes (queued and why, held, started after how long in the queue, suspended, resumed, requeued and why, ended: state, exit code, elapsed against the limit, CPU efficiency and MaxRSS against the request where there is accounting), the last lines of the job's StdOut file while it runs, and the file attached to the end's reply. An array is one board; a job whose dependency can no longer be satisfied says it will never run. The events --on names reply (which notifies: by default the end, a failure and a job that will never run); everything else edits the message. A job whose own \`mmn run\` posted first keeps its one message: the queue wait and the scheduler's verdict are added to it. Returns when every job named has ended: 0 if all succeeded, ${JOB_FAILED_EXIT} if not. One squeue (qstat, bjobs) a poll for all.`,
  operands: [
    {
      name: "jobs",
      description: "the job ids to follow (an array's id follows the whole array)",
      valueHint: "JOBID...",
    },
  ],
  flags: {
    ...targetFlags,
    all: { type: "boolean", description: "follow every job of yours, as it comes, until stopped" },
    on: ON_FLAG,
    poll: {
      type: "string",
      description: `seconds between questions to the scheduler (default ${DEFAULT_POLL_S})`,
      valueHint: "SECONDS",
    },
  },
  examples: `  mmn watch 4242                 # one job, until it ends
  mmn watch 4242 4243 5000       # two jobs and an array
  mmn watch --on begin,end 4242  # pushed when it starts and when it ends
  mmn watch --all --poll 60      # every job of yours, for ever (tmux, a user's systemd unit)
  sbatch --parsable job.sh | xargs mmn watch`,
  async run({ flags, operands }, ctx) {
    const ids = operands.flatMap((word) => word.split(",")).filter(Boolean);
    if (flags.all && ids.length) throw new UsageError("--all follows every job of yours: name no job with it");
    if (!flags.all && !ids.length)
      throw new UsageError("no job to watch", { hint: "mmn watch JOBID… (or --all for every job of yours)" });
    for (const id of ids)
      if (!/^\d+(?:[._[\]\w-]*)$/.test(id) || id.length > 64)
        throw new UsageError(`not a job id: ${JSON.stringify(id)}`, {
          hint: "as squeue, qstat or bjobs shows it: 4242",
        });
    const pollS = pollSeconds(flags.poll);
    const settings = flagSettings({ on: flags.on });
    const target = targetOf(flags);
    const scheduler = installedScheduler();
    if (!scheduler.queue)
      throw new UsageError("no batch scheduler here to ask (squeue, qstat or bjobs on PATH)", {
        hint: "run mmn watch on a login node of the cluster",
      });
    const { notify, config } = await connect(ctx, {}, { hooks: new MemoryHookStore() });
    const recipient = target ?? pickRecipient({}, config.config);
    if (!recipient) throw new UsageError("no recipient", { hint: "give -u or -c, or set a default with `mmn setup`" });
    const watcher = await follow({
      notify,
      recipient,
      policy: configSettings(config, settings, ui.warn, ["on"]).on,
      scheduler,
      jobs: flags.all ? "mine" : ids,
      user: process.env.USER ?? userInfo().username,
      info: (line) => print(`${line}\n`),
      warn: ui.warn,
    });
    let stopped: number | undefined;
    let wake = () => {};
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const)
      process.on(signal, () => {
        stopped = 128 + constants.signals[signal];
        wake();
      });
    // Named jobs stopped before their end: the shell's code for the signal, not a success. --all's only end is a signal.
    const stoppedExit = () => (flags.all ? 0 : stopped!);
    const pauseMs = watchPollMs(ctx.env, pollS);
    for (;;) {
      await watcher.pass();
      if (watcher.finished) return watcher.succeeded ? 0 : JOB_FAILED_EXIT;
      if (stopped !== undefined) return stoppedExit();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pauseMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped !== undefined) return stoppedExit();
    }
  },
});
