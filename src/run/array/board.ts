/** One message for a whole job array: how many tasks run, succeeded and failed, and which failed why. */
import { literal } from "../report/fence.ts";
import type { ArrayTask } from "./array.ts";
import type { TaskRecord } from "./tasks.ts";

export interface Board {
  total: number;
  running: number;
  succeeded: number;
  failed: TaskRecord[];
  waiting: number;
  /** Every task has ended (known only when the scheduler tells how many there are). */
  done: boolean;
  /** Of the tasks that ended: the shortest, the median and the longest run, in ms. */
  durations: [number, number, number] | undefined;
}

export function board(array: ArrayTask, records: readonly TaskRecord[]): Board {
  const ended = records.filter((r) => r.phase !== "running" && r.endedAt !== undefined);
  const failed = ended
    .filter((r) => r.phase !== "succeeded")
    .sort((a, b) => Number(a.task) - Number(b.task) || a.task.localeCompare(b.task));
  const total = Math.max(array.count ?? 0, records.length);
  const times = ended.map((r) => r.endedAt! - r.startedAt).sort((a, b) => a - b);
  return {
    total,
    running: records.length - ended.length,
    succeeded: ended.length - failed.length,
    failed,
    waiting: total - records.length,
    done: array.count !== undefined && ended.length >= array.count,
    durations: times.length ? [times[0]!, times[Math.floor((times.length - 1) / 2)]!, times.at(-1)!] : undefined,
  };
}

const duration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h ${String(m).padStart(2, "0")}m` : m ? `${m}m ${String(s % 60).padStart(2, "0")}s` : `${s}s`;
};

/** The array's name and id: `**sweep** (array 12345)`; a `name` given is the title, the job's own is shown literally. */
const title = (array: ArrayTask, name: string | undefined) =>
  `**${name ?? arrayName(array) ?? "array"}** (array ${literal(array.arrayId)})`;

/** The job's name as posts show it: literally (it comes from the job's environment). */
export const arrayName = (array: ArrayTask): string | undefined =>
  array.name === undefined ? undefined : literal(array.name);

/** What failed, shortest first, at most a few: a phone's screen, not a report. */
function failures(b: Board, most = 10): string {
  const shown = b.failed.slice(0, most).map((r) => `${literal(r.task)}: ${r.outcome ?? "failed"}`);
  return `${shown.join("; ")}${b.failed.length > most ? `; and ${b.failed.length - most} more` : ""}`;
}

/** The one line a notification shows. */
export function boardHeadline(array: ArrayTask, b: Board, name?: string): string {
  // Closed by the scheduler's word (mmn relay): the tasks that never ran are said, not hidden.
  if (b.done && b.waiting > 0) {
    const counts = `${b.succeeded} succeeded, ${b.failed.length} failed of ${b.total} tasks`;
    const never = `${b.waiting} waiting ${b.waiting === 1 ? "task was" : "tasks were"} cancelled`;
    const why = b.failed.length ? ` (${failures(b, 5)})` : "";
    return `${b.failed.length ? "❌" : "🛑"} ${title(array, name)}: ${counts}; ${never}${why}`;
  }
  if (b.done && b.failed.length === 0) return `✅ ${title(array, name)}: all ${b.total} tasks succeeded`;
  if (b.done) return `❌ ${title(array, name)}: ${b.failed.length} of ${b.total} tasks failed (${failures(b, 5)})`;
  const counts = [
    `${b.running} running`,
    `${b.succeeded} succeeded`,
    `${b.failed.length} failed`,
    ...(b.waiting > 0 ? [`${b.waiting} waiting`] : []),
  ];
  return `🗂️ ${title(array, name)}: ${counts.join(", ")} of ${b.total} tasks`;
}

export function boardMessage(array: ArrayTask, b: Board, name?: string): string {
  return b.failed.length && !b.done
    ? `${boardHeadline(array, b, name)}\nfailed: ${failures(b)}`
    : boardHeadline(array, b, name);
}

/** The card: green when all succeeded, red when the last task ends with failures, blue meanwhile. */
export function boardProps(array: ArrayTask, b: Board, name?: string): Record<string, unknown> {
  const fields = [
    { title: "Succeeded", value: String(b.succeeded), short: true },
    { title: "Failed", value: String(b.failed.length), short: true },
    { title: "Running", value: String(b.running), short: true },
    { title: "Waiting", value: String(b.waiting), short: true },
  ];
  if (b.durations)
    fields.push({
      title: "Durations",
      value: `${b.durations.map(duration).join(" / ")} (shortest / median / longest)`,
      short: false,
    });
  if (b.failed.length) fields.push({ title: "Failed tasks", value: failures(b, 30), short: false });
  return {
    attachments: [
      {
        fallback: boardHeadline(array, b, name).replace(/\*\*/g, ""),
        color: b.done ? (b.failed.length || b.waiting ? "danger" : "good") : "#1c58d9",
        fields,
        footer: `mmn run · array ${array.arrayId} · ${b.total} tasks`,
      },
    ],
  };
}

/** Ends told together in one reply (failures; every end under --on array-tasks,end): one task as its own line, several as a list. */
export function endsMessage(ended: readonly TaskRecord[], name: string): string {
  const [only] = ended;
  const icon = ended.every((r) => r.phase === "succeeded") ? "✅" : "❌";
  if (ended.length === 1 && only)
    return `${icon} task ${literal(only.task)} of ${name} ${only.outcome ?? "failed"} on ${literal(only.host)}`;
  const sorted = [...ended].sort((a, b) => Number(a.task) - Number(b.task) || a.task.localeCompare(b.task));
  const shown = sorted.slice(0, 10).map((r) => `${literal(r.task)}: ${r.outcome ?? "failed"}`);
  const more = sorted.length > shown.length ? `; and ${sorted.length - shown.length} more` : "";
  return `${icon} ${ended.length} tasks of ${name} ended: ${shown.join("; ")}${more}`;
}
