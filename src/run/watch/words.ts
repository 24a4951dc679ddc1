/** What `mmn watch` says of a job: its one message, edited as it goes, and the replies that push. */
import { constants } from "node:os";
import { formatBytes } from "../../base/bytes.ts";
import { printable } from "../../base/printable.ts";
import { neverRunText } from "../../relay/never-run.ts";
import { formatDuration } from "../report/amounts.ts";
import { codeBlock, literal } from "../report/fence.ts";
import type { JobStory } from "./story.ts";

/** How a job ended, from accounting where there is any, else from the queue's last word. */
export interface Verdict {
  state: string;
  succeeded: boolean;
  exitCode?: number;
  signal?: number;
  /** Who cancelled it, as accounting names them. */
  by?: string;
  reason?: string;
  elapsedMs?: number;
  cpuSeconds?: number;
  cpus?: number;
  maxMemory?: number;
  requestedMemory?: number;
}

/** A wait, as a person says it: "3h 12m", "5m 07s", "40s". */
function waited(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return m > 0 ? `${m}m ${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** `**train** (job 4242)`; the name literally, it is the job's. */
function jobTitle(story: JobStory): string {
  const name = printable(story.job.name, 200);
  return `${name ? `**${literal(name)}**` : "job"} (job ${literal(story.jobId)})`;
}

const ICONS: Record<string, string> = {
  COMPLETED: "✅",
  TIMEOUT: "⏰",
  CANCELLED: "🛑",
  PREEMPTED: "🛑",
};

/** The message's first line: what a notification shows. */
export function headline(story: JobStory, verdict: Verdict | undefined, schedulerName: string): string {
  const title = jobTitle(story);
  const reason = story.job.reason ? ` (${literal(story.job.reason)})` : "";
  switch (story.phase) {
    case "queued":
      return `${story.requeues.length ? "🔁" : "⏳"} ${title} is queued${reason}`;
    case "held":
      return `⏸️ ${title} is held${reason}`;
    case "never":
      return neverRunText(printable(story.job.name, 100) || `job ${story.jobId}`, story.jobId, schedulerName);
    case "suspended":
      return `⏸️ ${title} is suspended`;
    case "running":
      return `▶️ ${title} is running${story.waitedMs !== undefined ? `: started after ${waited(story.waitedMs)} in the queue` : ""}`;
    case "ended":
      return verdict ? endLine(title, verdict, story) : `🏁 ${title} ended`;
  }
}

/** The reply at a mark of the time limit: `⏰ **train** (job 42) has used 80 % of its time limit (8m 00s): 2m 00s left`. */
export function limitLine(story: JobStory, percent: number): string {
  const limit = story.job.limitMs ?? 0;
  const left = formatDuration(Math.max(0, limit - (limit * percent) / 100));
  return `⏰ ${jobTitle(story)} has used ${percent} % of its time limit (${formatDuration((limit * percent) / 100)}): ${left} left`;
}

const SIGNALS = new Map(Object.entries(constants.signals).map(([name, num]) => [num, name]));

/**
 * ", exit code 3", ", killed by SIGTERM" (mmn run's words), or nothing. Slurm's ExitCode "0:15"
 * is a job its signal ended, and "0:0" on a job that did not succeed (NODE_FAIL on 22.05 gives
 * either from one run to the next; a CANCELLED one) is no exit code: neither may read as
 * "exit code 0".
 */
function exitWords(verdict: Verdict): string {
  const { exitCode, signal, succeeded } = verdict;
  if (signal) return `, killed by ${SIGNALS.get(signal) ?? `signal ${signal}`}`;
  return exitCode !== undefined && (exitCode !== 0 || succeeded) ? `, exit code ${exitCode}` : "";
}

function endLine(title: string, verdict: Verdict, story: JobStory): string {
  const icon = verdict.succeeded ? "✅" : (ICONS[verdict.state] ?? "❌");
  const by = verdict.by ? ` by ${literal(verdict.by)}` : "";
  const limit = story.job.limitMs;
  const elapsed =
    verdict.elapsedMs !== undefined
      ? ` after ${formatDuration(verdict.elapsedMs)}${limit ? ` of ${formatDuration(limit)}` : ""}`
      : "";
  return `${icon} ${title} ${literal(verdict.state)}${by}${exitWords(verdict)}${elapsed}`;
}

/** What the scheduler told beside the phase: the wait, requeues, suspensions, and at the end what it used, as seff prints. */
export function details(story: JobStory, verdict: Verdict | undefined): string[] {
  const lines: string[] = [];
  if (story.waitedMs !== undefined && story.phase !== "running")
    lines.push(`started after ${waited(story.waitedMs)} in the queue`);
  if (story.requeues.length) {
    const reasons = story.requeues.filter(Boolean).map((r) => literal(r));
    const times = story.requeues.length === 1 ? "once" : `${story.requeues.length} times`;
    lines.push(`requeued ${times}${reasons.length ? ` (${reasons.join(", ")})` : ""}`);
  }
  if (story.suspendedMs > 0 || story.suspendedSince !== undefined)
    lines.push(
      story.suspendedSince !== undefined && story.phase === "suspended"
        ? "suspended (scontrol suspend): its time stands still"
        : `suspended for ${formatDuration(story.suspendedMs)}, then resumed`,
    );
  if (verdict) lines.push(...usage(verdict));
  return lines;
}

/** seff's two lines: CPU efficiency against the CPUs given, memory against the request. */
function usage(verdict: Verdict): string[] {
  const lines: string[] = [];
  const { cpuSeconds, cpus, elapsedMs, maxMemory, requestedMemory } = verdict;
  if (cpuSeconds !== undefined && cpus && elapsedMs) {
    const share = (cpuSeconds * 1000) / (elapsedMs * cpus);
    lines.push(
      `CPU efficiency ${(share * 100).toFixed(1)} % of ${cpus} CPU${cpus === 1 ? "" : "s"} (${formatDuration(cpuSeconds * 1000)} of CPU time)`,
    );
  }
  if (maxMemory !== undefined)
    lines.push(
      `MaxRSS ${formatBytes(maxMemory)}${requestedMemory ? ` of ${formatBytes(requestedMemory)} requested (${((maxMemory / requestedMemory) * 100).toFixed(1)} %)` : ""}`,
    );
  return lines;
}

/** The whole message: the headline, the details, and the output's last lines while it runs. */
export function message(story: JobStory, verdict: Verdict | undefined, schedulerName: string, tail?: string): string {
  const lines = [headline(story, verdict, schedulerName), ...details(story, verdict)];
  const text = lines.join("\n");
  return tail ? `${text}\n${codeBlock(tail)}` : text;
}
