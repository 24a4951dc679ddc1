import { pushes } from "../../policy/policy.ts";
import { type ChildHandle, type ChildResult, startChild } from "../process/child.ts";
import { serverMaxFileSize } from "../report/finish.ts";
import { startNotice } from "../report/render.ts";
import { isUrgent } from "../report/urgent.ts";
import { stepClockForTests } from "../test-clock.ts";
import { RunControl } from "./control.ts";
import { GiveBack } from "./give-back.ts";
import type { Session } from "./prepare.ts";

/** The command on its way, and what goes on beside it until it ends. */
export interface Running {
  child: ChildHandle;
  /** The live edits' clock. */
  timer: ReturnType<typeof setInterval>;
  /** The server's largest file, asked at the start so the end knows how much log it takes. */
  maxFileSize: Promise<number | undefined>;
  /** Memory given back once the start, and each tick, is over. */
  giveBack: GiveBack;
}

/** The command starts; the job is watched, the signals passed on, and the first status goes out. */
export function start({ options, kept, tail, progress, live }: Session): Running {
  const { notify, array } = options.report;
  // `env` or `printenv` in a job would put the token into the tail and the log, that is into
  // Mattermost. A nested mmn still finds it in the configuration files.
  // MMN_RUN_ID: the command's own replies go to this run's thread (`mmn send --reply-to "$MMN_RUN_ID" -f plot.png`).
  const env = { ...process.env, MMN_TOKEN: undefined, MMN_RUN_ID: array?.boardId ?? options.id };
  const child = startChild({
    command: options.command,
    env,
    ...(kept.log ? { log: kept.log } : {}),
    tail,
    onOutput: (bytes) => progress.output(bytes),
    passFds: options.io.passFds,
    stderrLine: options.io.stderrLine,
  });
  progress.watch.start(child.pid);
  if (options.timing.clockStepMs) stepClockForTests(options.timing.clockStepMs);
  // Caught until we exit: one more SIGTERM while the end is reported must not cut it short.
  options.io.signals.attach(child, (sig, forwarded) => progress.signal(sig, forwarded));
  // An array's task asks only if it fails and attaches its log: a thousand tasks, a thousand requests otherwise.
  const maxFileSize = notify && !array ? serverMaxFileSize(notify) : Promise.resolve(undefined);
  progress.watch.tick(false);
  live?.tick(progress.state("running"), "start");
  const users = options.report.control;
  // The status post as a control panel (🛑 👀 🔕): read at each tick, once it is out.
  const control =
    notify && live && users?.length && !options.report.array
      ? new RunControl({
          notify,
          reporter: live,
          users,
          progress,
          child,
          graceMs: options.timing.stopGraceMs,
          debug: options.debug,
        })
      : undefined;
  const started = progress.state("running");
  const requeued = Boolean(started.job?.restarts) && pushes(options.report.on, { kind: "requeue" });
  const event = { kind: requeued ? "requeue" : "begin" } as const;
  if (requeued || pushes(options.report.on, event))
    live?.say?.(startNotice(started, requeued), isUrgent(event, options.report.urgent));
  const giveBack = new GiveBack(options.timing.settleMs);
  giveBack.afterStart();
  const timer = setInterval(() => {
    progress.sample();
    live?.tick(progress.state("running"), progress.version());
    control?.tick();
    giveBack.afterTick();
  }, options.timing.intervalMs);
  return { child, timer, maxFileSize, giveBack };
}

/** Until the command ends; then the live edits stop. */
export async function follow({ child, timer, giveBack }: Running): Promise<ChildResult> {
  const result = await child.done;
  clearInterval(timer);
  giveBack.stop();
  return result;
}
