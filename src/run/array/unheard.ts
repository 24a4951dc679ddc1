/**
 * For `mmn relay` while an array still runs (close.ts asks it of each open board whose array
 * the scheduler still lists tasks of): a task whose mmn died without a word (SIGKILL, a node
 * that failed, a script without `exec`) would be counted running on the board until the whole
 * array ends. Those the scheduler no longer runs, and whose mmn is not alive on this host, are
 * written as ended in the scheduler's words, the board redrawn once, and a reply sent where
 * the policy pushes a task's failure. Under the tasks' lock of the ends: a task's end written
 * before is read and kept, and one written after wins over the relay's (tasks.ts `newer`).
 */

import type { Client } from "../../client/client.ts";
import { parsePolicy, pushes } from "../../policy/policy.ts";
import { stillRunning } from "../../relay/process.ts";
import { ACTIVE } from "../../relay/verdict.ts";
import type { Scheduler } from "../../scheduler/scheduler.ts";
import type { ArrayTask } from "./array.ts";
import { board, endsMessage } from "./board.ts";
import { drawing } from "./draws.ts";
import type { ArrayState, BoardPost, TaskRecord } from "./tasks.ts";

const QUERY_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

export interface SettleOptions {
  notify: Client;
  /** This machine's name, as a task's record has it: where the relay can see whether its mmn is alive. */
  host: string;
  info: (line: string) => void;
}

/** Whether the board changed: "told", else "left" (nothing to tell, or a lock not had: the next pass). */
export async function settleUnheard(
  state: ArrayState,
  post: BoardPost,
  listed: ReadonlySet<string>,
  scheduler: Scheduler,
  options: SettleOptions,
): Promise<"told" | "left"> {
  // Looked at without the lock first: most passes find every running task listed.
  if (!gone(await state.readAll(), listed, options.host).length) return "left";
  // A task telling its end holds this lock: its record is read after it, never written over.
  const release = await state.ends(Date.now() + LOCK_WAIT_MS);
  if (!release) return "left";
  try {
    if (await state.isDone()) return "left";
    const silent = gone(await state.readAll(), listed, options.host);
    if (!silent.length) return "left";
    const tasks = silent.map((record) => record.task);
    const accounting = await scheduler.arrayAccounting?.(post.arrayId, QUERY_MS, tasks);
    const now = Date.now();
    // Accounting that says a task goes on (squeue's answer older than sacct's, a requeue) is the scheduler's word too.
    const ended = silent.flatMap((record) => {
      const word = accounting?.get(record.task);
      return word && ACTIVE.has(word) ? [] : [unheardEnd(record, word, scheduler.words.name, now)];
    });
    if (!ended.length) return "left";
    const edit = await state.claimEditNow(Date.now() + LOCK_WAIT_MS);
    if (!edit) return "left";
    const array: ArrayTask = { boardId: "", arrayId: post.arrayId, taskId: "", count: post.count, name: undefined };
    try {
      for (const record of ended) await state.write(record);
      const drawn = drawing(array, board(array, await state.readAll()), post.name);
      await options.notify.edit({ id: post.postId }, { message: drawn.message, props: drawn.props });
      await state.markDrawn(drawn.digest);
    } finally {
      await edit();
    }
    const text = endsMessage(ended, post.name ?? "the array");
    const policy = parsePolicy(post.on);
    if (!("error" in policy) && pushes(policy, { kind: "end", failed: true, array: "task" })) {
      const key = `relay:${post.postId}`;
      await options.notify.hooks.set({ id: key, channelId: post.channelId, postId: post.postId });
      await options.notify.reply(`${post.mention ? `@${post.mention} ` : ""}${text}`, { to: key });
      await state.markAnnounced([...(await state.announced()), ...ended.map((record) => record.task)]);
    }
    options.info(`array ${post.arrayId}: ${text}`);
    return "told";
  } finally {
    await release();
  }
}

/** A task that died without a word: ended, in the scheduler's words where it kept them. */
export function unheardEnd(record: TaskRecord, word: string | undefined, who: string, now: number): TaskRecord {
  const outcome = `ended without a word from mmn${word ? `: ${who} says ${word}` : ""}`;
  return { ...record, phase: "killed", endedAt: Math.max(now, record.startedAt), outcome, unheard: true };
}

/** Records that say running, of tasks the scheduler no longer lists, whose mmn is not alive here. */
function gone(records: TaskRecord[], listed: ReadonlySet<string>, host: string): TaskRecord[] {
  return records.filter(
    (r) =>
      r.phase === "running" &&
      !listed.has(r.task) &&
      !(r.host === host && r.pid !== undefined && stillRunning(r.pid, r.startTicks)),
  );
}
