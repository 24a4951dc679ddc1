/**
 * What `mmn watch` has seen of one job, poll after poll: its phase, how long it waited, its
 * suspensions and requeues, and the events each new listing brings. Pure: the listing and the
 * time in, the events out; the watcher (watcher.ts) speaks them.
 */
import type { QueuedJob } from "../../scheduler/scheduler.ts";

type Phase = "queued" | "held" | "running" | "suspended" | "ended" | "never";

/** What happened between two polls; the notification policy (policy/policy.ts) decides which of them push. */
export type WatchEvent =
  | "queued"
  | "held"
  | "released"
  | "begin"
  | "suspend"
  | "resume"
  | "requeue"
  | "never-runs"
  | "time-limit-50"
  | "time-limit-80"
  | "time-limit-90"
  | "end";

export interface JobStory {
  jobId: string;
  /** The latest listing of the job; kept once it is no longer listed. */
  job: QueuedJob;
  phase: Phase;
  /** When the current wait in the queue began (the submission, or the requeue), epoch ms. */
  queuedSince?: number;
  /** How long it waited before it last started. */
  waitedMs?: number;
  suspendedSince?: number;
  suspendedMs: number;
  /** Each requeue's reason, oldest first ("" until the scheduler gives one). */
  requeues: string[];
  /** Whether it ever ran: a waiting task that a scancel ended shows a start time that is its end. */
  ran: boolean;
  /** No longer listed: ended, and forgotten by the queue. */
  gone: boolean;
  /** The share of its time limit (50, 80, 90) it was last seen past, in this run. */
  limitPassed: number;
}

const ENDED = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "OUT_OF_MEMORY",
  "NODE_FAIL",
  "PREEMPTED",
  "BOOT_FAIL",
  "DEADLINE",
  "SPECIAL_EXIT",
  "REVOKED",
]);
const SUSPENDED = new Set(["SUSPENDED", "STOPPED"]);
const REQUEUED = /^REQUEUE/;
const HELD = /^JobHeld|held/i;
const NEVER_REASON = "DependencyNeverSatisfied";

/** The phase a listing says, in Slurm's words (PBS's and LSF's are mapped to them in scheduler/). */
function phaseOf(job: QueuedJob): Phase {
  if (ENDED.has(job.state)) return "ended";
  if (SUSPENDED.has(job.state)) return "suspended";
  if (job.state === "PENDING" || REQUEUED.test(job.state)) {
    if (job.reason === NEVER_REASON) return "never";
    return job.reason && HELD.test(job.reason) ? "held" : "queued";
  }
  return "running";
}

export function newStory(job: QueuedJob, now: number): JobStory {
  const phase = phaseOf(job);
  const ran = phase === "running" || phase === "suspended" || (phase === "ended" && job.startedAt !== undefined);
  const story: JobStory = {
    jobId: job.jobId,
    job,
    phase,
    suspendedMs: 0,
    requeues: [],
    ran,
    gone: false,
    limitPassed: 0,
  };
  if (phase === "queued" || phase === "held" || phase === "never") story.queuedSince = job.submittedAt ?? now;
  if (job.startedAt !== undefined && job.submittedAt !== undefined)
    story.waitedMs = Math.max(0, job.startedAt - job.submittedAt);
  if (phase === "suspended") story.suspendedSince = now;
  // Marks already past when first seen are not news.
  story.limitPassed = limitShare(story, now);
  return story;
}

const MARKS = [90, 80, 50] as const;

/** The highest mark (50, 80, 90 % of the limit) the running job has passed: its time in this run, suspensions left out, as Slurm counts it. */
function limitShare(story: JobStory, now: number): number {
  const { limitMs, startedAt } = story.job;
  if (story.phase !== "running" || !limitMs || startedAt === undefined) return 0;
  const used = now - startedAt - story.suspendedMs;
  return MARKS.find((mark) => used >= (limitMs * mark) / 100) ?? 0;
}

/** The events a new listing (undefined: the job is no longer listed) brings, the story brought up to date. */
export function advance(story: JobStory, listed: QueuedJob | undefined, now: number): WatchEvent[] {
  if (story.phase === "ended") return [];
  if (!listed) {
    story.gone = true;
    story.phase = "ended";
    return ["end"];
  }
  const before = story.phase;
  const reasonBefore = story.job.reason;
  const was = story.job;
  story.job = { ...listed, ...(listed.stdout || !was.stdout ? {} : { stdout: was.stdout }) };
  const after = phaseOf(listed);
  story.phase = after;
  const events: WatchEvent[] = [];
  if (after === "running" || after === "suspended") story.ran = true;
  const waiting = (p: Phase) => p === "queued" || p === "held" || p === "never";
  if ((before === "running" || before === "suspended") && (waiting(after) || REQUEUED.test(listed.state))) {
    story.requeues.push(listed.reason ?? "");
    story.queuedSince = now;
    story.limitPassed = 0;
    closeSuspension(story, now);
    events.push("requeue");
  }
  if (waiting(before) && (after === "running" || after === "suspended" || after === "ended")) {
    const started = listed.startedAt ?? now;
    if (story.queuedSince !== undefined) story.waitedMs = Math.max(0, started - story.queuedSince);
    if (after !== "ended" || listed.startedAt !== undefined) events.push("begin");
  }
  if (after === "suspended" && before !== "suspended") {
    story.suspendedSince = now;
    events.push("suspend");
  }
  if (before === "suspended" && after === "running") {
    closeSuspension(story, now);
    events.push("resume");
  }
  if (after === "held" && before !== "held") events.push("held");
  if (before === "held" && after === "queued") events.push("released");
  if (after === "queued" && !waiting(before) && !events.includes("requeue")) events.push("queued");
  if (after === "queued" && before === "queued" && listed.reason !== reasonBefore) {
    // A requeue's reason comes a poll or two after it.
    if (story.requeues.at(-1) === "" && listed.reason) story.requeues[story.requeues.length - 1] = listed.reason;
    events.push("queued");
  }
  if (after === "never" && before !== "never") events.push("never-runs");
  // Each mark passed since the last poll (the watcher tells the last of those the policy names);
  // those already past when the job is first seen running are not news.
  const share = limitShare(story, now);
  if (before !== "running" && before !== "suspended") story.limitPassed = share;
  for (const mark of [...MARKS].reverse())
    if (mark > story.limitPassed && mark <= share) events.push(`time-limit-${mark}`);
  story.limitPassed = Math.max(story.limitPassed, share);
  if (after === "ended") {
    closeSuspension(story, now);
    events.push("end");
  }
  return events;
}

function closeSuspension(story: JobStory, now: number): void {
  if (story.suspendedSince === undefined) return;
  story.suspendedMs += now - story.suspendedSince;
  delete story.suspendedSince;
}

/** Whether the job no longer needs following: it ended, or it will never run. */
export const settled = (story: JobStory): boolean => story.phase === "ended" || story.phase === "never";

const ACTIVE = /^(RUNNING|SUSPENDED|COMPLETING|CONFIGURING|REQUEUE|RESIZING|SIGNALING|STAGE_OUT|STOPPED)/;
/** Started and not over: what `--all` begins to follow, beside the pending. */
export const isActive = (job: QueuedJob): boolean => ACTIVE.test(job.state);
