import { errorMessage, UsageError } from "../base/errors.ts";
import type { Client } from "../client/client.ts";
import type { LoadedConfig } from "../config/config.ts";
import { validateId, writeHookFile } from "../hooks/hook-file.ts";
import { FAILURES_ONLY, postsEarly } from "../policy/policy.ts";
import { arrayTask, catchSignals, INHERITED_FDS, LineEnd, toldEvents, wrap } from "../run/index.ts";
import { deliveryFlag, targetFlags, targetOf } from "./_shared.ts";
import { defineCommand } from "./command.ts";
import { connect } from "./connect.ts";
import { previewRun } from "./dry-run.ts";
import {
  attachGlobs,
  audience,
  checkLog,
  configSettings,
  controlUsers,
  flagSettings,
  ON_FLAG,
  runId,
} from "./run-options.ts";
import { runWaits } from "./run-timing.ts";
import { startLinesAfter, ui } from "./ui.ts";

const MAX_LOG_BYTES = 20 * 1024 * 1024;

/** mmn's own lines among the command's stderr: marked so nobody takes them for the command's. */
const notice = (message: string) => ui.raw(message);

export default defineCommand({
  name: "mmn run",
  description:
    "Run a command and report it: a status message edited while it runs, then the outcome with the log as a reply. Its output, input and exit code are untouched. Through an incoming webhook (url=…/hooks/KEY), which cannot edit, reply or upload: a start message, then the outcome with the last lines inline, and no log.",
  wraps: true,
  operands: [
    {
      name: "command",
      description: "the command to run, with its arguments: after --, or from its first word on",
      valueHint: "CMD...",
    },
  ],
  flags: {
    ...targetFlags,
    id: {
      type: "string",
      description: "remember the status message under this id (default: generated, printed)",
      valueHint: "ID",
    },
    title: {
      type: "string",
      description: "name the job in messages instead of showing the command",
      valueHint: "TEXT",
    },
    interval: {
      type: "string",
      description: "seconds between status edits when there is new output (default 30, at least 1)",
      valueHint: "SECONDS",
    },
    tail: { type: "string", description: "lines of output shown in the status (default 10)", valueHint: "LINES" },
    logs: {
      type: "boolean",
      negatable: true,
      description: "attach the log to the final reply",
      negativeDescription: "keep no log (no temporary file) and attach none",
    },
    log: {
      type: "string",
      description: "keep the combined log in this file (default: a temporary file)",
      valueHint: "FILE",
    },
    "save-hook": {
      type: "string",
      alias: "s",
      description:
        "also write the status message's hook to this file (through a webhook: none, which is said at the start; the command runs all the same)",
      valueHint: "FILE",
    },
    on: ON_FLAG,
    urgent: {
      type: "string",
      description:
        "the events told by a new post with urgent priority (acknowledgement and reminders where the server's licence allows) linking the run's thread, in --on's words: fail (default: a failed run, besides its reply), end, begin, requeue, time-limit-50/80/90 (instead of the reply; told even if --on leaves them out); never: none",
      valueHint: "EVENTS",
    },
    mention: {
      type: "optional",
      description: "@-mention NAME in the final reply (alone: the configured mention= or user)",
      valueHint: "NAME",
    },
    "hide-command": { type: "boolean", description: "do not show the command line (it may hold secrets)" },
    thread: {
      type: "string",
      description: "post in the thread of the message known by this id, made by the first run that names it",
      valueHint: "ID",
    },
    attach: {
      type: "string",
      multiple: true,
      description: "attach the files matching GLOB at the end to the final reply (repeat for more)",
      valueHint: "GLOB",
    },
    ...deliveryFlag,
    array: {
      type: "enum",
      values: ["board", "each"],
      description: "in a job array: board (default) reports every task on one message; each: a message per task",
    },
    "dry-run": {
      type: "boolean",
      description: "print the start message that would be posted, and to whom; run nothing, post nothing",
    },
  },
  examples: `  mmn run -- python train.py --epochs 50
  mmn run -c hpc-jobs --title "ResNet sweep" --interval 60 --mention alice -- ./sweep.sh
  mmn run --on failure --mention -- make -j8
  mmn run --on begin,end,time-limit-80 -- ./train.sh   # pushed at the start, at 80 % of the time limit, at the end
  #SBATCH --signal=B:USR1@120   # in a batch script: the job learns of its time limit
  exec mmn run --id "sim-$SLURM_JOB_ID" -- srun ./simulate   # one message for all the step's tasks
  mmn run --dry-run -c hpc-jobs -- ./simulate   # the start message and its recipient; runs nothing`,
  async run({ flags, operands }, ctx) {
    // Every line of ours (marked "mmn: " since main) starts on a line of its own.
    const stderrLine = new LineEnd();
    startLinesAfter(() => stderrLine.breakNeeded());
    // Without our `--`, a `--` main split off belongs to the command's arguments.
    const command = operands.length === 0 ? (ctx.rest ?? []) : ctx.rest ? [...operands, "--", ...ctx.rest] : operands;
    if (command.length === 0)
      throw new UsageError("no command to run", { hint: "put it after --: mmn run -- python train.py" });
    const target = targetOf(flags);
    const id = await runId(flags.id);
    const thread = flags.thread === undefined ? undefined : validateId(flags.thread);
    const settings = flagSettings({ on: flags.on, urgent: flags.urgent, interval: flags.interval, tail: flags.tail });
    if (flags["dry-run"]) return previewRun(ctx, flags, { command, target, id, thread, settings });
    const log = await checkLog(flags.log, notice);
    const waits = runWaits(ctx.env);

    // From here on a signal is the command's, even one that comes before it exists.
    const signals = catchSignals();
    ui.debug("signals are caught from now on and passed on to the command");

    let notify: Client | undefined;
    let loaded: LoadedConfig | undefined;
    try {
      ({ notify, config: loaded } = await connect(
        ctx,
        { delivery: flags.delivery },
        {
          timeoutMs: waits.requestTimeoutMs,
          retries: 0,
          // The end repeats its requests against a deadline: the job's stderr hears of it once, at the end.
          onRetry: ({ attempt, reason }) => ui.debug(`${reason}; trying again (${attempt})`),
        },
        // The run's status must not stay "running": what the network fails is kept for mmn relay.
        { keep: true },
      ));
    } catch (error) {
      notice(`${errorMessage(error)}: running the command without notifications`);
    }
    const configured = configSettings(loaded, settings, notice);
    const { interval, tail, urgent } = configured;
    const { recipient, mention } = audience(target ?? {}, flags.mention, loaded?.config ?? {}, notice);
    // One board for the whole array: every task, on every node, finds it under the array's id.
    const array = flags.array === "each" ? undefined : arrayTask(ctx.env);
    const hooked = notify?.webhook !== undefined;
    // A webhook keeps no board: an array's every task posting twice would flood the channel.
    const told = toldEvents(configured.on, urgent);
    const on = hooked && array && postsEarly(told) ? FAILURES_ONLY : told;
    if (hooked && array)
      notice("through a webhook, the tasks of an array report only a failure: it cannot keep a board");
    // Said before the command runs, not hours later; the job runs all the same (a setting, not a mistyped flag).
    if (hooked && flags["save-hook"])
      notice(
        `--save-hook ${flags["save-hook"]}: nothing will be written there: a webhook's posts cannot be edited, so there is no hook to save`,
      );
    if (notify && !recipient && !hooked) {
      notice(
        "no recipient (give -u or -c, or set a default with `mmn setup`): running the command without notifications",
      );
      notify = undefined;
    }
    if (hooked && postsEarly(on))
      ui.info("reporting through the incoming webhook: a start message and a final one (a webhook cannot edit)");
    else if (hooked) ui.info("reporting only a failure, through the incoming webhook, when the command ends");
    else if (notify && array) ui.info(`reporting on the board of array ${array.arrayId} (${array.boardId})`);
    // Under --on failure nothing is posted unless the command fails: no message for `mmn update` to find until then.
    else if (notify && postsEarly(on)) ui.info(`reporting as ${JSON.stringify(id)} (mmn update --id ${id} …)`);
    else if (notify) ui.info(`reporting only a failure, when the command ends (as ${JSON.stringify(id)})`);

    const { code, hook } = await wrap({
      command,
      id,
      report: {
        notify,
        ...(recipient ? { recipient } : {}),
        ...(array && !hooked ? { array } : {}),
        ...(thread !== undefined ? { thread } : {}),
        on,
        urgent,
        ...(mention ? { mention } : {}),
        ...(flags.title ? { title: flags.title } : {}),
        hideCommand: flags["hide-command"] === true,
        tailLines: tail,
        attach: attachGlobs(flags.attach, loaded?.config.attach),
        control: controlUsers(loaded?.config.control, recipient),
      },
      timing: waits.run(interval),
      io: {
        signals,
        passFds: INHERITED_FDS,
        stderrLine,
        ...(log ? { log } : {}),
        attachLog: flags.logs !== false,
        maxLogBytes: MAX_LOG_BYTES,
      },
      warn: notice,
      // Marked like every line of ours among the command's stderr.
      debug: (message) => ui.debug(message),
    });
    // This run's post, not whatever another run with the same id left in the store.
    // The job has run: a hook that cannot be written is said, and its exit code stays.
    if (flags["save-hook"] && hook)
      await writeHookFile(flags["save-hook"], hook).catch((error: unknown) =>
        notice(`${errorMessage(error)}: the hook is not saved`),
      );
    return code;
  },
});
