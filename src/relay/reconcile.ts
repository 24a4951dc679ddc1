/**
 * One pass of the relay over the registered runs: each that still says running is judged
 * (verdict.ts); one that ended without a word gets it (words.ts), exactly once: the run is
 * claimed by a rename before anything is sent, and its post looked at before it is edited.
 */
import { errorMessage, ServerError } from "../base/errors.ts";
import type { Client } from "../client/client.ts";
import { JobThreads, sameServer, threadKey } from "../jobs/threads.ts";
import { isStandIn } from "../outbox/entry.ts";
import { policyOf, pushes } from "../policy/policy.ts";
import type { Registered, RunRecord, RunRegistry } from "./registry.ts";
import { RunPost } from "./speak.ts";
import { activeJobs, type Judge, judge } from "./verdict.ts";
import { editedMessage, editedProps, reply, saysRunning, succeeded, what } from "./words.ts";

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
    kept: entries.length ? await keptPosts(options.notify) : new Set<string>(),
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

async function settle(entry: Registered, options: ReconcileOptions & { kept: Set<string> }): Promise<keyof PassResult> {
  const { record } = entry;
  // A record that names no server is from before servers were recorded: this one's.
  if (record.post.server && !sameServer(record.post.server, options.notify.serverUrl)) {
    options.warn(`${label(entry)} was posted on ${record.post.server}, not on this configuration's server: left`);
    return "left";
  }
  // Its own word still waits in the outbox (another relay delivers it now, or the server failed it): that word, not the scheduler's.
  if (options.kept.has(record.post.postId)) return "left";
  const verdict = await judge(record, options);
  if (verdict.kind !== "ended") return "left";
  // A run on a node without a route posted its status into the outbox: told once the post is made.
  const post = await madePost(record, options.notify);
  if (!post || options.kept.has(post.postId)) return "left";
  const claim = await options.registry.claim(entry);
  // Another relay took it, or the run's own end removed it meanwhile.
  if (!claim) return "left";
  const run = new RunPost(options.notify, { ...record, post });
  let replied = false;
  try {
    const current = await run.current().catch((error: unknown) => {
      if (error instanceof ServerError && (error.status === 403 || error.status === 404)) return undefined;
      throw error;
    });
    // Deleted, or already telling an end (mmn's own, or another relay's): nothing to add.
    if (current && saysRunning(current.message)) {
      // The reply first: it is what notifies, and a relay killed after it leaves a post that a later pass still edits.
      // The run's policy may not want this end pushed: then the edit alone (the post must not say running).
      replied = record.replied === true;
      if (!replied && pushes(policyOf(record.on), { kind: "end", failed: !succeeded(verdict) })) {
        await run.reply(reply(record, verdict));
        replied = true;
        await options.registry.replied(claim, record);
      }
      await run.edit(
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

/**
 * The posts with entries still in the outbox, waiting or being delivered, on every host: by
 * the ids the entries name, a stand-in or, for what was kept after the post was made, its id.
 */
async function keptPosts(notify: Client): Promise<Set<string>> {
  const store = notify.outbox?.store;
  const kept = new Set<string>();
  if (!store) return kept;
  const hosts = await store.hosts();
  for (const listed of await store.list(hosts)) kept.add(listed.chain);
  for (const host of hosts) for (const chain of (await store.claims(host)).chains) kept.add(chain);
  return kept;
}

/**
 * The run's status post with the server's ids: a stand-in (the post kept in the outbox) is
 * mapped to the post the outbox made; undefined while it is not made yet.
 */
async function madePost(record: RunRecord, notify: Client): Promise<RunRecord["post"] | undefined> {
  const { post } = record;
  const real = async (id: string | undefined, as: "id" | "channel_id") => {
    if (!isStandIn(id)) return id;
    return (await notify.outbox?.store.posted(id))?.[as];
  };
  const postId = await real(post.postId, "id");
  // The channel of a direct message not opened yet is named by the stand-in of the post that opens it.
  const channelId = await real(post.channelId, "channel_id");
  const rootId = await real(post.rootId, "id");
  if (!postId || !channelId || (post.rootId && !rootId)) return undefined;
  return { ...post, postId, channelId, ...(rootId ? { rootId } : {}) };
}

const label = ({ record }: Registered) =>
  `${record.name || record.hookId}${record.job ? ` (job ${record.job.jobId})` : ` (pid ${record.pid} on ${record.host})`}`;

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
