/**
 * A job array's mails as one board: each task's event (--mail-type=…,ARRAY_TASKS) or the
 * array's summary (without it) folded into what the relay keeps of the array, and drawn as
 * one line: how many run, succeeded and failed, then the array's end.
 */
import type { MailEvent } from "./event.ts";

export interface MailBoard {
  name?: string;
  count?: number;
  /** Each task's last word: RUNNING, COMPLETED, FAILED, … with its exit code. */
  tasks: Record<string, { state: string; exit?: string }>;
  /** The summary's end (sent once for the whole array): its type, state (Mixed) and exit codes ([0-5]). */
  end?: { type: string; state?: string; exit?: string };
}

export function parseBoard(text: string): MailBoard {
  try {
    const v = JSON.parse(text) as MailBoard;
    if (v && typeof v === "object" && v.tasks && typeof v.tasks === "object") return v;
  } catch {
    // A broken board starts again from what comes next.
  }
  return { tasks: {} };
}

/** Whether the event is a task's or the summary's end. */
export function isEnd(e: MailEvent): boolean {
  return !/^(began|requeued|reached)/i.test(e.type);
}

export function fold(board: MailBoard, e: MailEvent): MailBoard {
  const out: MailBoard = { ...board, tasks: { ...board.tasks } };
  if (e.name) out.name = e.name;
  const count = Number(e.arrayCount);
  if (Number.isInteger(count) && count > 0) out.count = count;
  if (e.summary) {
    if (isEnd(e))
      out.end = { type: e.type, ...(e.state ? { state: e.state } : {}), ...(e.exitCode ? { exit: e.exitCode } : {}) };
    return out;
  }
  if (e.arrayTaskId) {
    const state = isEnd(e) ? (e.state ?? (/^failed/i.test(e.type) ? "FAILED" : "COMPLETED")) : "RUNNING";
    out.tasks[e.arrayTaskId] = { state, ...(isEnd(e) && e.exitCode ? { exit: e.exitCode } : {}) };
  }
  return out;
}

/** The board's line, and whether the array has ended. */
export function boardLine(arrayId: string, b: MailBoard): { line: string; done: boolean } {
  const label = `**${(b.name ?? "array").replaceAll("*", "")}** (array ${arrayId})`;
  const tasks = Object.entries(b.tasks);
  const ended = tasks.filter(([, t]) => t.state !== "RUNNING");
  const failed = ended.filter(([, t]) => t.state !== "COMPLETED");
  const total = b.count ?? tasks.length;
  const done = Boolean(b.end) || (b.count !== undefined && ended.length >= b.count);
  if (done && b.end && tasks.length === 0) {
    const ok = /^ended/i.test(b.end.type) && (b.end.state ?? "COMPLETED") === "COMPLETED";
    const exit = b.end.exit && b.end.exit !== "0" ? `, exit codes ${b.end.exit}` : "";
    return { line: `${ok ? "✅" : "❌"} ${label} ${b.end.type.toLowerCase()}: ${b.end.state ?? "ended"}${exit}`, done };
  }
  if (done && failed.length === 0) return { line: `✅ ${label}: all ${total} tasks succeeded`, done };
  if (done) {
    const list = failed
      .sort(([a], [c]) => Number(a) - Number(c))
      .slice(0, 10)
      .map(([id, t]) => `${id}: ${t.state}${t.exit && t.exit !== "0" ? ` exit ${t.exit}` : ""}`);
    return { line: `❌ ${label}: ${failed.length} of ${total} tasks failed (${list.join("; ")})`, done };
  }
  if (tasks.length === 0) return { line: `⏳ ${label} is running`, done };
  const running = tasks.length - ended.length;
  return {
    line: `🗂️ ${label}: ${running} running, ${ended.length - failed.length} succeeded, ${failed.length} failed of ${total} tasks`,
    done,
  };
}
