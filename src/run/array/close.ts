/**
 * For `mmn relay` (cli/relay.ts runs it as one step of its pass; here, beside the board it
 * draws, since relay/ is below run/): boards of job arrays that no task will close: the array was scancelled as a whole, or its
 * waiting tasks were, and the last task to end never came. When the scheduler says no task of
 * the array is pending or running, the relay closes the board: the tasks that never ran
 * counted, those that died without a word with the scheduler's state, and the one notifying
 * "array done" reply, once (the ends' lock, then a claim by rename, then a look at the board).
 * While it still lists some, the tasks that died unheard meanwhile are told (unheard.ts), and a
 * board no task is left to bring up to date is drawn (redraw.ts).
 */

import { hostname } from "node:os";
import { fs, joinPath } from "../../base/disk.ts";
import { errorMessage, ServerError } from "../../base/errors.ts";
import type { Client } from "../../client/client.ts";
import { defaultHookDir } from "../../hooks/hooks.ts";
import { sameServer } from "../../jobs/threads.ts";
import type { PassResult } from "../../relay/reconcile.ts";
import type { Scheduler } from "../../scheduler/scheduler.ts";
import { schedulerOf } from "../../scheduler/schedulers.ts";
import type { ArrayTask } from "./array.ts";
import { board, boardHeadline, boardMessage, boardProps } from "./board.ts";
import { redrawStale } from "./redraw.ts";
import { ArrayState, type BoardPost, type TaskRecord } from "./tasks.ts";
import { type SettleOptions, settleUnheard, unheardEnd } from "./unheard.ts";

const QUERY_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

export interface CloseOptions {
  notify: Client;
  info: (line: string) => void;
  warn: (line: string) => void;
  /** Where the arrays' state directories are: `.arrays` beside the hooks by default. */
  dir?: string;
  scheduler?: (kind: string) => Scheduler;
  /** This machine's name, as tasks' records have it (`os.hostname()` by default). */
  host?: string;
}

interface OpenBoard {
  state: ArrayState;
  post: BoardPost;
}

export async function closeArrays(options: CloseOptions): Promise<PassResult> {
  const result: PassResult = { told: 0, left: 0, failed: 0 };
  const open = await openBoards(options.dir ?? joinPath(defaultHookDir(), ".arrays"));
  if (!open.length) return result;
  const of = options.scheduler ?? schedulerOf;
  // One question a pass to each scheduler the boards name, however many arrays there are.
  const active = new Map<string, Map<string, Set<string>> | undefined>();
  for (const kind of new Set(open.map((b) => b.post.scheduler)))
    active.set(kind, await of(kind).activeArrays?.(QUERY_MS));
  const settle = { notify: options.notify, host: options.host ?? hostname(), info: options.info };
  for (const found of open) {
    const { post } = found;
    const left = active.get(post.scheduler);
    // No answer is no word: the board stays as it is.
    if (!left) {
      result.left++;
      continue;
    }
    const listed = left.get(post.arrayId);
    const outcome = await tell(found, listed, of(post.scheduler), options, settle).catch((error: unknown) => {
      options.warn(`array ${post.arrayId}: ${errorMessage(error)}; tried again on the next pass`);
      return "failed" as const;
    });
    result[outcome]++;
  }
  return result;
}

/** Tasks left: the board stays open, and those that ended unheard are told (on this server's boards); else it is closed. */
async function tell(
  found: OpenBoard,
  listed: ReadonlySet<string> | undefined,
  scheduler: Scheduler,
  options: CloseOptions,
  settle: SettleOptions,
) {
  if (!listed?.size) return close(found, scheduler, options);
  if (!sameServer(found.post.server, options.notify.serverUrl)) return "left" as const;
  const settled = await settleUnheard(found.state, found.post, listed, scheduler, settle);
  return settled === "told" ? settled : redrawStale(found.state, found.post, options.notify);
}

/** The arrays' directories that are ours, not done, with a board. */
async function openBoards(dir: string): Promise<OpenBoard[]> {
  const disk = await fs();
  const uid = process.getuid?.();
  const found: OpenBoard[] = [];
  for (const name of (await disk.readdir(dir).catch(() => [] as string[])).sort()) {
    const path = joinPath(dir, name);
    const info = await disk.lstat(path).catch(() => undefined);
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
    const state = new ArrayState(path);
    if (await state.isDone()) continue;
    const post = await state.boardPost();
    if (post) found.push({ state, post });
  }
  return found;
}

async function close({ state, post }: OpenBoard, scheduler: Scheduler, options: CloseOptions) {
  if (!sameServer(post.server, options.notify.serverUrl)) {
    options.warn(`array ${post.arrayId}'s board is on ${post.server}, not on this configuration's server: left`);
    return "left" as const;
  }
  // A task telling its end holds this lock: the relay comes after it, or not at all.
  const release = await state.ends(Date.now() + LOCK_WAIT_MS);
  if (!release) return "left" as const;
  try {
    if (await state.isDone()) return "left" as const;
    const claim = await state.claimClose();
    if (!claim) return "left" as const;
    try {
      const current = await options.notify.post({ id: post.postId }).catch((error: unknown) => {
        if (error instanceof ServerError && (error.status === 403 || error.status === 404)) return undefined;
        throw error;
      });
      // Deleted, or closed already: nothing to add.
      if (current?.message.startsWith("🗂️")) {
        const accounting = await scheduler.arrayAccounting?.(post.arrayId, QUERY_MS);
        const records = unheard(await state.readAll(), accounting, scheduler.words.name);
        const array: ArrayTask = {
          boardId: "",
          arrayId: post.arrayId,
          taskId: "",
          count: post.count,
          name: undefined,
        };
        const closed = { ...board(array, records), running: 0, done: true };
        const headline = boardHeadline(array, closed, post.name);
        const mention = post.mention ? `@${post.mention} ` : "";
        // The reply first: it is what notifies.
        const key = `relay:${post.postId}`;
        await options.notify.hooks.set({ id: key, channelId: post.channelId, postId: post.postId });
        await options.notify.reply(`${mention}${headline}`, { to: key });
        await options.notify.edit(
          { id: post.postId },
          { message: boardMessage(array, closed, post.name), props: boardProps(array, closed, post.name) },
        );
        options.info(`array ${post.arrayId}: ${headline.replace(/\*\*/g, "")}`);
      }
    } catch (error) {
      await state.unclaimClose(claim);
      throw error;
    }
    await state.markDone();
    await state.clearSpent();
    return "told" as const;
  } finally {
    await release();
  }
}

/** Tasks whose record still says running died without a word: ended, in the scheduler's words where it kept them. */
function unheard(records: TaskRecord[], accounting: Map<string, string> | undefined, who: string): TaskRecord[] {
  const now = Date.now();
  return records.map((record) =>
    record.phase === "running" ? unheardEnd(record, accounting?.get(record.task), who, now) : record,
  );
}
