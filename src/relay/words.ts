/**
 * What the relay says for a run that ended without a word from mmn: the status post's new
 * first line and card, and the reply that notifies, with why mmn could not speak and the fix.
 */
import { schedulerOf } from "../scheduler/schedulers.ts";
import type { RunRecord } from "./registry.ts";
import type { Verdict } from "./verdict.ts";

type Ended = Extract<Verdict, { kind: "ended" }>;

/** States in which someone or something stopped the job from outside. */
const STOPPED = new Set(["CANCELLED", "PREEMPTED", "TIMEOUT", "DEADLINE"]);

function icon(verdict: Ended): string {
  if (verdict.source === "process") return "🛑";
  if (verdict.state === "COMPLETED" && !verdict.exitCode && !verdict.signal) return "✅";
  return verdict.state && STOPPED.has(verdict.state) ? "🛑" : "❌";
}

/** Whether the end is a success, as the reply's icon says it. */
export const succeeded = (verdict: Ended): boolean => icon(verdict) === "✅";

/** `🛑 **train 4242** ended without a word from mmn: Slurm says CANCELLED by alice after 2h 03m (exit 0:15)`. */
function headline(record: RunRecord, verdict: Ended): string {
  return `${icon(verdict)} **${record.name || record.hookId}** ended without a word from mmn: ${what(record, verdict)}`;
}

/** What the scheduler (or the process table) says, as the card's Status. */
export function what(record: RunRecord, verdict: Ended): string {
  if (verdict.source === "process") return `its process (pid ${record.pid} on ${record.host}) is gone`;
  const scheduler = schedulerOf(record.job?.scheduler).words.name;
  const by = verdict.by ? ` by ${verdict.by}` : "";
  const after = verdict.elapsedMs !== undefined ? ` after ${duration(verdict.elapsedMs)}` : "";
  const exit =
    verdict.exitCode !== undefined || verdict.signal !== undefined
      ? ` (exit ${verdict.exitCode ?? 0}:${verdict.signal ?? 0})`
      : "";
  const reason = verdict.reason && verdict.reason !== verdict.state ? `, ${verdict.reason}` : "";
  return `${scheduler} says ${verdict.state}${by}${after}${exit}${reason}`;
}

/** Why mmn could not speak, and what makes it speak next time; nothing where the scheduler's word says enough. */
function why(record: RunRecord, verdict: Ended): string | undefined {
  if (verdict.source === "process")
    return "mmn was killed before it could tell the end (SIGKILL, the OOM killer, or a reboot).";
  if (record.batchMain === false)
    return [
      "mmn could not speak: it was not the job's main process. At the end Slurm signals the batch script's shell, which does not pass the signal on, and then kills mmn with the rest of the job.",
      'Start it with `exec`: `exec mmn run -- ./train.sh` as the script\'s last line, or `sbatch --wrap "exec mmn run -- ./train.sh"`.',
    ].join("\n");
  if (verdict.signal === 9)
    return "mmn was killed (SIGKILL) before it could tell the end: the OOM killer, a `kill -9`, or Slurm's KillWait ran out.";
  if (verdict.state === "NODE_FAIL") return "The node failed: mmn on it could not speak.";
  if (verdict.state && STOPPED.has(verdict.state))
    return "mmn was killed before it could tell the end: a SIGKILL (`scancel -s KILL`), or Slurm's KillWait ran out first.";
  return undefined;
}

/** The reply that notifies: the headline (with the mention), then why. */
export function reply(record: RunRecord, verdict: Ended): string {
  const mention = record.mention ? `@${record.mention} ` : "";
  const because = why(record, verdict);
  return `${mention}${headline(record, verdict)}${because ? `\n${because}` : ""}`;
}

/** "2h 03m", "5m 07s", "40s". */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** The status post's message with its first line (the headline) replaced; the output shown stays. */
export function editedMessage(current: string, record: RunRecord, verdict: Ended): string {
  const rest = current.includes("\n") ? current.slice(current.indexOf("\n")) : "";
  return `${headline(record, verdict)}${rest}`;
}

/** The card: its colour and its Status field say the end; the rest as the run left it. */
export function editedProps(current: Record<string, unknown> | undefined, record: RunRecord, verdict: Ended) {
  const attachments = current?.attachments;
  if (!Array.isArray(attachments)) return current;
  const color = icon(verdict) === "✅" ? "good" : "danger";
  const status = `ended without a word from mmn: ${what(record, verdict)}`;
  return {
    ...current,
    attachments: attachments.map((attachment: unknown) => {
      if (!attachment || typeof attachment !== "object") return attachment;
      const card = attachment as { fields?: unknown };
      const fields = Array.isArray(card.fields)
        ? card.fields.map((field: { title?: unknown }) =>
            field && field.title === "Status" ? { ...field, value: status } : field,
          )
        : card.fields;
      return { ...card, color, fields };
    }),
  };
}

/** A status post that still says the run goes on: mmn's running headline. */
export const saysRunning = (message: string): boolean => message.startsWith("⏳");
