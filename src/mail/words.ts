/** What a Slurm mail says on Mattermost: the job's one message, and the reply each event adds. */
import type { MailEvent } from "./event.ts";

const ENDS: Record<string, string> = {
  COMPLETED: "✅",
  FAILED: "❌",
  CANCELLED: "🛑",
  TIMEOUT: "⏰",
  OUT_OF_MEMORY: "❌",
  NODE_FAIL: "❌",
  PREEMPTED: "🛑",
  BOOT_FAIL: "❌",
  DEADLINE: "⏰",
};

/** `train 1234` (`train 1200_3 (1234)` for an array's task). */
function label(e: MailEvent): string {
  const id = e.arrayJobId && e.arrayTaskId ? `${e.arrayJobId}_${e.arrayTaskId} (${e.jobId})` : e.jobId;
  return `**${(e.name ?? "job").replaceAll("*", "")} ${id}**`;
}

/** The event in one line: the message's state, and the reply that tells it. */
export function mailLine(e: MailEvent): string {
  const on = e.node ? ` on \`${e.node}\`` : "";
  const type = e.type.toLowerCase();
  if (type.startsWith("began"))
    return `⏳ ${label(e)} is running${on}${e.queuedTime ? ` (started after ${e.queuedTime} in the queue)` : ""}`;
  if (type.startsWith("requeued")) return `🔁 ${label(e)} was requeued${e.state ? ` (${e.state})` : ""}`;
  if (type.includes("time limit")) return `⏰ ${label(e)} ${type}${on}`;
  if (type.startsWith("invalid dependency"))
    return `🚫 ${label(e)} will never run: its dependency can no longer be satisfied`;
  const state = e.state ?? (type.startsWith("failed") ? "FAILED" : "ended");
  const icon = ENDS[state] ?? (type.startsWith("failed") ? "❌" : "✅");
  const exit = e.exitCode !== undefined && e.exitCode !== "0" ? ` with exit code ${e.exitCode}` : "";
  return `${icon} ${label(e)} ${state}${exit}${e.runTime ? ` after ${e.runTime}` : ""}${on}`;
}
