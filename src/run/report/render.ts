import { formatBytes } from "../../base/bytes.ts";
import { localTime } from "../../base/local-time.ts";
import { MAX_MESSAGE_RUNES } from "../../client/split.ts";
import { type Cause, causeEndsRun, causeStopsRun } from "../../scheduler/cause.ts";
import type { JobContext } from "../../scheduler/scheduler.ts";
import type { UsageSeries } from "../job/history.ts";
import type { RestartFacts } from "../job/restart.ts";
import type { Resources } from "../job/watch.ts";
import { formatAgo, formatDuration } from "./amounts.ts";
import { causeIcon, causeWords, oomNote } from "./cause.ts";
import { codeBlock, inlineCode, literal } from "./fence.ts";
import { jobContextFields, restartWords } from "./job.ts";
import { commandLabel, jobLabel } from "./name.ts";
import { advice, resourceFields } from "./resources.ts";
import { runTime, runTimeText } from "./run-time.ts";
import { sparkFields } from "./sparkline.ts";

export type Phase = "running" | "succeeded" | "failed" | "killed";

/** Everything a status message shows; rendered anew on every edit. */
export interface RunState {
  phase: Phase;
  id: string;
  title: string | undefined;
  /** The command as shown, or undefined with --hide-command. */
  command: string | undefined;
  /** Its words, for finding its script; undefined with --hide-command. */
  argv?: readonly string[];
  host: string;
  cwd: string;
  startedAt: Date;
  /** Now while running, the end time after. */
  at: Date;
  outputBytes: number;
  /** The last lines of output; undefined with --tail 0, which shows none. */
  tail: string[] | undefined;
  exitCode?: number;
  signal?: string;
  /** Why the command could not be started. */
  startError?: string;
  /** Its output could not be written to our stdout or stderr, e.g. "stdout: ENOSPC: no space left on device". */
  outputLost?: string;
  /** While running: the signal that asked it to stop (SIGTERM, SIGINT, SIGHUP), passed on to it. */
  stopping?: string;
  /** Why it is stopping, once known ("hit its time limit of 1:00:00"). */
  stoppingWhy?: string;
  job: JobContext | undefined;
  /** Who stopped it, when not the command itself (see cause.ts). */
  cause?: Cause;
  /** The job's time limit, when the scheduler tells. */
  timeLimit?: string;
  /** No output for this long, while running: said so the elapsed time is not taken for the last news. */
  quietMs?: number;
  resources?: Resources;
  /** Time spent suspended (scontrol suspend, SIGSTOP): not run time. */
  suspendedMs?: number;
  /** While the command is stopped: since when. */
  suspendedSince?: Date;
  /** A requeued job's earlier runs, as accounting knows them. */
  restart?: RestartFacts;
  /** Why mmn may not be able to report the end, said from the start. */
  warning?: string;
  /** Who stopped it from Mattermost (🛑 on the status post): a username. */
  stoppedBy?: string;
  /** What it used over time: the card's sparklines, the end's chart. */
  usage?: UsageSeries;
}

const COLORS: Record<Phase, string> = { running: "#1c58d9", succeeded: "good", failed: "danger", killed: "danger" };
const ICONS: Record<Phase, string> = { running: "⏳", succeeded: "✅", failed: "❌", killed: "🛑" };

/** The job in one line: a headline is what a phone's notification shows (see name.ts). */
export function runName(state: RunState): string {
  // A title's later lines would end the bold and start Markdown blocks of their own.
  if (state.title !== undefined) return firstLine(state.title.trim(), 200) || state.id;
  if (state.job) return jobLabel(state.job);
  return state.command ? commandLabel(state.command, state.argv) : state.id;
}

function firstLine(text: string, max: number): string {
  const [first = "", ...more] = text.split("\n");
  return shorten(more.length ? `${first.trimEnd()}…` : first, max);
}

/** "succeeded", "failed with exit code 2", "killed by SIGTERM", "could not start", "hit its time limit". */
export function outcome(state: RunState): string {
  if (state.startError) return `could not start: ${state.startError}`;
  if (state.stoppedBy) return `${stoppedFromChat(state.stoppedBy)}: ${ownOutcome(state)}`;
  if (state.cause && causeEndsRun(state.cause)) return causeWords(state.cause, ownOutcome(state), state.job);
  return ownOutcome(state);
}

/** "was stopped from Mattermost by @alice (🛑)", the name unable to mention anyone. */
export function stoppedFromChat(by: string): string {
  return `was stopped from Mattermost by ${literal(`@${by}`)} (🛑)`;
}

/** What the command itself did. */
function ownOutcome(state: RunState): string {
  if (state.outputLost) {
    const lost = `its output could not be written (${state.outputLost})`;
    // The SIGPIPE came from the pipe we closed on that failure, not from a reader.
    if (state.signal === "SIGPIPE") return `stopped by SIGPIPE: ${lost}`;
    if (state.phase === "killed") return `killed by ${state.signal ?? "a signal"}; ${lost}`;
    return state.exitCode === 0
      ? `exited with code 0, but ${lost}`
      : `failed with exit code ${state.exitCode}; ${lost}`;
  }
  // `mmn run -- cmd | head`: the reader left on purpose, as in any shell pipeline.
  if (state.signal === "SIGPIPE") return "stopped by SIGPIPE: the reader of its output went away";
  if (state.phase === "killed") return `killed by ${state.signal ?? "a signal"}`;
  if (state.phase === "failed") return `failed with exit code ${state.exitCode}`;
  return state.phase;
}

/** The one line that says it all; push notifications and narrow screens show only this. */
function headline(state: RunState): string {
  const time = runTime(state);
  const elapsed = formatDuration(time.shownMs);
  const label = `**${runName(state)}**${restartWords(state.job, state.restart?.after)}`;
  if (state.phase === "running" && state.stopping)
    return `${ICONS.running} ${label} is stopping on ${literal(state.host)} (${elapsed}): ${runningStatus(state).replace(/^stopping: /, "")}`;
  const quiet = state.quietMs !== undefined ? `, last output ${formatAgo(state.quietMs)} ago` : "";
  if (state.phase === "running")
    return `${ICONS.running} ${label} is running on ${literal(state.host)} (${elapsed}${quiet})`;
  const icon =
    (state.cause && causeEndsRun(state.cause) && !state.startError && causeIcon(state.cause)) || ICONS[state.phase];
  return `${icon} ${label} ${outcome(state)} on ${literal(state.host)} after ${runTimeText(time)}`;
}

/**
 * The edited status post: headline, then the last lines of output in a code block. It
 * must fit in one post: a longer edit is split by the library into new replies, each a
 * notification. So the tail loses its first lines, and says so, until it fits.
 */
export function statusMessage(state: RunState, maxRunes = MAX_MESSAGE_RUNES): string {
  const head = headline(state);
  if (!state.tail) return head;
  if (!state.tail.length) return `${head}\n${codeBlock(state.phase === "running" ? "(no output yet)" : "(no output)")}`;
  const all = state.tail;
  let shown = all;
  for (;;) {
    const left = all.length - shown.length;
    const note = left ? `\n(the last ${shown.length} of ${all.length} lines: more do not fit in one post)` : "";
    const text = `${head}${note}\n${codeBlock(shown.join("\n"))}`;
    let excess = runeCount(text) - maxRunes;
    if (excess <= 0 || shown.length <= 1) return text;
    // Room for the note too, which the next round may add or lengthen.
    excess += 80;
    let drop = 0;
    while (excess > 0 && drop < shown.length - 1) excess -= runeCount(shown[drop++]!) + 1;
    shown = shown.slice(drop);
  }
}

function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The coloured card beside the message: details as fields. A patch replaces it whole. */
export function statusProps(state: RunState): Record<string, unknown> {
  const fields: Array<{ title: string; value: string; short: boolean }> = [];
  if (state.command) fields.push({ title: "Command", value: commandField(shorten(state.command, 300)), short: false });
  fields.push({
    title: "Status",
    value: state.phase === "running" ? runningStatus(state) : outcome(state),
    short: true,
  });
  if (state.cause && causeStopsRun(state.cause) && !state.startError && state.phase !== "running")
    fields.push({ title: "Exit", value: ownOutcome(state), short: true });
  else if (state.cause?.kind === "oom")
    fields.push({ title: "Out of memory", value: oomNote(state.cause), short: false });
  const time = runTime(state);
  const elapsedMs = time.ownMs;
  const limit = state.timeLimit ? ` of ${state.timeLimit}` : "";
  fields.push({
    title: state.phase === "running" ? "Elapsed" : "Duration",
    value: `${formatDuration(time.shownMs)}${limit}${time.notes.length ? ` (${time.notes.join(", ")})` : ""}`,
    short: true,
  });
  fields.push({ title: "Host", value: literal(state.host), short: true });
  fields.push({ title: "Output", value: formatBytes(state.outputBytes), short: true });
  const final = state.phase !== "running";
  if (state.resources)
    for (const [title, value] of resourceFields(state.resources, elapsedMs, final))
      fields.push({ title, value, short: true });
  for (const [title, value] of sparkFields(state.usage)) fields.push({ title, value, short: true });
  if (state.job) for (const [title, value] of jobContextFields(state.job)) fields.push({ title, value, short: true });
  fields.push({ title: "Directory", value: literal(state.cwd), short: false });
  if (state.warning) fields.push({ title: "Warning", value: state.warning, short: false });
  const tip = state.phase === "succeeded" && state.resources && advice(state.resources, elapsedMs);
  if (tip) fields.push({ title: "Advice", value: tip, short: false });
  return {
    attachments: [
      {
        fallback: headline(state).replace(/\*\*/g, ""),
        color: state.phase === "running" && state.stopping ? "warning" : COLORS[state.phase],
        fields,
        footer: `mmn run · id ${state.id} · started ${localTime(state.startedAt)}`,
      },
    ],
  };
}

/**
 * Said as soon as a signal asks the job to stop: the job may ignore it or checkpoint past
 * Slurm's KillWait, and the SIGKILL after that ends mmn too, before any final word.
 */
function runningStatus(state: RunState): string {
  if (state.stoppedBy && state.stoppingWhy) return `stopping: ${state.stoppingWhy}`;
  if (!state.stopping)
    return state.suspendedSince
      ? `suspended since ${localTime(state.suspendedSince)} (its processes are stopped)`
      : "running";
  return state.stoppingWhy
    ? `stopping: ${state.stoppingWhy} (${state.stopping} received)`
    : `stopping: ${state.stopping} received`;
}

/** Inline code cannot hold a blank line (the Markdown after it would break): a multi-line command gets a block. */
function commandField(command: string): string {
  return command.includes("\n") ? codeBlock(command) : inlineCode(command);
}

/** The thread reply at the end: it notifies, so it says the outcome first. */
export function finalReply(state: RunState, extra: { mention?: string; logNote?: string }): string {
  const lines = [`${extra.mention ? `@${extra.mention} ` : ""}${headline(state)}`];
  if (extra.logNote) lines.push(extra.logNote);
  return lines.join("\n");
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The reply at 90 % of the time limit: it notifies, so it names the job and the time left first. */
export function limitWarning(state: RunState, leftMs: number): string {
  const limit = state.timeLimit ? ` of its time limit of ${state.timeLimit}` : " before its time limit";
  return `⏰ **${runName(state)}**${restartWords(state.job, state.restart?.after)} has ${formatDuration(leftMs)} left${limit} on ${literal(state.host)}`;
}

/** The start, as a reply that notifies (--on begin; --on requeue for a requeued job's new start). */
export function startNotice(state: RunState, requeued: boolean): string {
  const name = `**${runName(state)}**${restartWords(state.job, state.restart?.after)}`;
  return requeued
    ? `🔁 ${name} was requeued and starts again on ${literal(state.host)}`
    : `▶️ ${name} started on ${literal(state.host)}`;
}
