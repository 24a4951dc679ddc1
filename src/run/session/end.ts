import { formatBytes } from "../../base/bytes.ts";
import { postsEarly, pushes } from "../../policy/policy.ts";
import { causeStopsRun } from "../../scheduler/cause.ts";
import type { ChildResult } from "../process/child.ts";
import { type EndOptions, finish } from "../report/finish.ts";
import { outcomeOf } from "../report/outcome.ts";
import type { RunState } from "../report/render.ts";
import { lossOf } from "./kept-log.ts";
import type { Session } from "./prepare.ts";
import type { Running } from "./start.ts";

/**
 * The command ended: what the run lost is said, the outcome decided (the scheduler's word on
 * a signal waited for, a part of the budget), and the end reported within the budget.
 */
export async function end(session: Session, running: Running, result: ChildResult): Promise<void> {
  const { options, progress, reporter, kept } = session;
  const { warn } = options;
  const budget = progress.signalled ? options.timing.signalBudgetMs : options.timing.finishBudgetMs;
  const endedAt = session.progress.clock.now();
  const { cause, resources } = await progress.watch.end(result, budget / 2);
  if (result.startError) warn(result.startError);
  const logLoss = lossOf(kept);
  if (logLoss?.stopped) warn(`the log stopped: ${logLoss.stopped}`);
  else if (logLoss?.full && kept.log?.total)
    warn(`${logLoss.full}: the log keeps the last ${formatBytes(kept.log.kept)} of the output`);
  const ended = outcomeOf(result, options.report.hideCommand);
  for (const [stream, reason] of ended.lost)
    warn(
      `cannot write the command's ${stream} (${reason}): the rest of it is lost, and the command's writes there failed`,
    );
  const phase = cause && causeStopsRun(cause) && ended.phase === "succeeded" ? "killed" : ended.phase;
  const final: RunState = {
    ...progress.state(phase, endedAt),
    ...ended.fields,
    ...(cause ? { cause } : {}),
    resources,
  };

  const everyEnd = postsEarly(options.report.on) || reporter?.reportsEveryEnd;
  if (!reporter || (!everyEnd && final.phase === "succeeded")) return;
  const left = Math.max(0, budget - (session.progress.clock.now().getTime() - endedAt.getTime()));
  const deadline = new Promise<"late">((resolve) => setTimeout(resolve, left, "late").unref());
  const work = finish(
    reporter,
    final,
    endOptions(session, logLoss, final.phase !== "succeeded"),
    running.maxFileSize,
    Date.now() + left,
  );
  if ((await Promise.race([work, deadline])) === "late") {
    // Still on its way: a failure after we gave up is no news.
    work.catch(() => {});
    const word = reporter.abandoned(budget / 1000);
    if (word) warn(word);
  }
}

function endOptions({ options, kept }: Session, logLoss: EndOptions["logLoss"], failed: boolean): EndOptions {
  const { title, hideCommand, mention, attach } = options.report;
  return {
    quiet: !pushes(options.report.on, { kind: "end", failed }),
    command: options.command,
    id: options.id,
    title,
    hideCommand,
    attachLog: options.io.attachLog,
    logPath: kept.logPath,
    logLoss,
    maxLogBytes: options.io.maxLogBytes,
    mention,
    attach,
    debug: options.debug,
  };
}
