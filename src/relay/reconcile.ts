/**
 * One pass of the relay over the registered runs: each that still says running is judged
 * (verdict.ts); one that ended without a word gets it (words.ts), exactly once: the run is
 * claimed by a rename before anything is sent, and its post looked at before it is edited.
 */
import { errorMessage, ServerError } from "../base/errors.ts";
import type { Client } from "../client/client.ts";
import { JobThreads, threadKey } from "../jobs/threads.ts";
import type { Registered, RunRegistry } from "./registry.ts";
import { RunPost } from "./speak.ts";
import { activeJobs, type Judge, judge } from "./verdict.ts";
import { editedMessage, editedProps, reply, saysRunning, what } from "./words.ts";

export interface PassResult {
  /** Runs given the scheduler's word in this pass. */
  told: number;
  /** Runs that still run, or that cannot be told about from here. */
  left: number;
  /** Runs whose word could not be delivered: tried again on the next pass. */
  failed: number;
}

export interface ReconcileOptions extends Judge {
  registry: RunRegistry;
  notify: Client;
  info: (line: string) => void;
  warn: (line: string) => void;
  /** Where the job's one thread is kept: the run's, which a watch started later must find. */
  threads?: JobThreads;
}

export async function reconcile(options: ReconcileOptions): Promise<PassResult> {
  const result: PassResult = { told: 0, left: 0, failed: 0 };
  const entries = await options.registry.list();
  // One question a pass for every job that goes on, however many runs are registered.
  const judging = {
    ...options,
    active: await activeJobs(
      entries.map((e) => e.record),
      options,
    ),
  };
  for (const entry of entries) {
    const outcome = await settle(entry, judging).catch((error: unknown) => {
      options.warn(`${label(entry)}: ${errorMessage(error)}; tried again on the next pass`);
      return "failed" as const;
    });
    result[outcome]++;
  }
  return result;
}

async function settle(entry: Registered, options: ReconcileOptions): Promise<keyof PassResult> {
  const { record } = entry;
  if (sameServer(record.post.server, options.notify.serverUrl) === false) {
    options.warn(`${label(entry)} was posted on ${record.post.server}, not on this configuration's server: left`);
    return "left";
  }
  const verdict = await judge(record, options);
  if (verdict.kind !== "ended") return "left";
  const claim = await options.registry.claim(entry);
  // Another relay took it, or the run's own end removed it meanwhile.
  if (!claim) return "left";
  const post = new RunPost(options.notify, record);
  let replied = false;
  try {
    const current = await post.current().catch((error: unknown) => {
      if (error instanceof ServerError && (error.status === 403 || error.status === 404)) return undefined;
      throw error;
    });
    // Deleted, or already telling an end (mmn's own, or another relay's): nothing to add.
    if (current && saysRunning(current.message)) {
      // The reply first: it is what notifies, and a relay killed after it leaves a post that a later pass still edits.
      await post.reply(reply(record, verdict));
      replied = true;
      await post.edit(
        editedMessage(current.message, record, verdict),
        editedProps(current.props as Record<string, unknown> | undefined, record, verdict),
      );
      options.info(`${label(entry)}: ${what(record, verdict)}`);
      await keepThread(record, options);
    }
  } catch (error) {
    // Put back for the next pass, the server may be back by then; but once the reply is out,
    // a status the server will not let us edit (another account's post, PostEditTimeLimit)
    // must not bring a second reply on every pass.
    if (replied) await options.registry.retire(claim);
    else await options.registry.unclaim(claim, entry.file);
    throw error;
  }
  await options.registry.retire(claim);
  return "told";
}

const label = ({ record }: Registered) =>
  `${record.name || record.hookId}${record.job ? ` (job ${record.job.jobId})` : ` (pid ${record.pid} on ${record.host})`}`;

/** Whether two server URLs are the same server; undefined when the record names none. */
function sameServer(recorded: string, configured: string): boolean | undefined {
  if (!recorded) return undefined;
  const trim = (url: string) => url.replace(/\/+$/, "").toLowerCase();
  return trim(recorded) === trim(configured);
}

/**
 * The job's thread is the run's status post, which now holds the relay's word: kept for a watch
 * started later (the run keeps it itself once its post is out; this covers a run that died first).
 */
async function keepThread(record: Registered["record"], options: ReconcileOptions): Promise<void> {
  if (!record.job || record.post.rootId) return;
  const { postId, channelId, server } = record.post;
  const key = threadKey(record.job.scheduler, record.job.jobId);
  const entry = { key, postId, channelId, server, by: "relay" as const, at: Date.now() };
  await (options.threads ?? new JobThreads()).claim(entry).catch(() => {});
}
