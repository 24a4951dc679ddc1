import { formatBytes } from "../../files.ts";
import { MAX_MESSAGE_RUNES } from "../../split.ts";
import { codeBlock, inlineCode } from "./fence.ts";
import { type JobContext, jobContextFields } from "./job.ts";

export type Phase = "running" | "succeeded" | "failed" | "killed";

/** Everything a status message shows; rendered anew on every edit. */
export interface RunState {
  phase: Phase;
  id: string;
  title: string | undefined;
  /** The command as shown, or undefined with --hide-command. */
  command: string | undefined;
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
  job: JobContext | undefined;
}

const COLORS: Record<Phase, string> = { running: "#1c58d9", succeeded: "good", failed: "danger", killed: "danger" };
const ICONS: Record<Phase, string> = { running: "⏳", succeeded: "✅", failed: "❌", killed: "🛑" };

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m ${String(sec).padStart(2, "0")}s`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/** Quote argv for display the way a shell user would type it back. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** The job in one line: a headline is what a phone's notification shows. */
function name(state: RunState): string {
  // A title's later lines would end the bold and start Markdown blocks of their own.
  if (state.title !== undefined) return firstLine(state.title.trim(), 200) || state.id;
  return state.command ? inlineCode(firstLine(state.command, 60)) : state.id;
}

function firstLine(text: string, max: number): string {
  const [first = "", ...more] = text.split("\n");
  return shorten(more.length ? `${first.trimEnd()}…` : first, max);
}

/** "succeeded", "failed with exit code 2", "killed by SIGTERM", "could not start". */
export function outcome(state: RunState): string {
  if (state.startError) return `could not start: ${state.startError}`;
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
  const elapsed = formatDuration(state.at.getTime() - state.startedAt.getTime());
  if (state.phase === "running" && state.stopping)
    return `${ICONS.running} **${name(state)}** is stopping on ${state.host} (${elapsed}): ${state.stopping} received`;
  if (state.phase === "running") return `${ICONS.running} **${name(state)}** is running on ${state.host} (${elapsed})`;
  return `${ICONS[state.phase]} **${name(state)}** ${outcome(state)} on ${state.host} after ${elapsed}`;
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
  fields.push({
    title: state.phase === "running" ? "Elapsed" : "Duration",
    value: formatDuration(state.at.getTime() - state.startedAt.getTime()),
    short: true,
  });
  fields.push({ title: "Host", value: state.host, short: true });
  fields.push({ title: "Output", value: formatBytes(state.outputBytes), short: true });
  if (state.job) for (const [title, value] of jobContextFields(state.job)) fields.push({ title, value, short: true });
  fields.push({ title: "Directory", value: inlineCode(shorten(state.cwd, 200)), short: false });
  return {
    attachments: [
      {
        fallback: headline(state).replace(/\*\*/g, ""),
        color: state.phase === "running" && state.stopping ? "warning" : COLORS[state.phase],
        fields,
        footer: `mmn run · id ${state.id} · started ${state.startedAt.toISOString().replace("T", " ").slice(0, 19)} UTC`,
      },
    ],
  };
}

/**
 * Said as soon as a signal asks the job to stop: the job may ignore it or checkpoint past
 * Slurm's KillWait, and the SIGKILL after that ends mmn too, before any final word.
 */
function runningStatus(state: RunState): string {
  return state.stopping ? `stopping: ${state.stopping} received` : "running";
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
