/**
 * For `mmn relay` while an array still has tasks (close.ts asks it of each open board the
 * scheduler lists tasks of, after unheard.ts): a board whose tasks' records are newer than its
 * last drawing, with no task left to draw it (the last task's edit failed, or the tasks left
 * wait behind a throttle, `%N`), is drawn as a task would draw it, once.
 */

import type { Client } from "../../client/client.ts";
import type { ArrayTask } from "./array.ts";
import { board } from "./board.ts";
import { drawing, lastToDraw } from "./draws.ts";
import type { ArrayState, BoardPost } from "./tasks.ts";

const LOCK_WAIT_MS = 5_000;

/** "told" when the board was drawn, else "left" (a task will draw it, or it shows the records already). */
export async function redrawStale(state: ArrayState, post: BoardPost, notify: Client): Promise<"told" | "left"> {
  const array: ArrayTask = { boardId: "", arrayId: post.arrayId, taskId: "", count: post.count, name: undefined };
  const stale = async () => {
    const records = await state.readAll();
    if (!lastToDraw(records)) return undefined;
    const drawn = drawing(array, board(array, records), post.name);
    return drawn.digest === (await state.drawn()) ? undefined : drawn;
  };
  // Looked at without the locks first: most passes find the board as its records say.
  if (!(await stale())) return "left";
  // A task telling its end holds this lock: it draws, or the relay after it.
  const release = await state.ends(Date.now() + LOCK_WAIT_MS);
  if (!release) return "left";
  try {
    if (await state.isDone()) return "left";
    const edit = await state.claimEditNow(Date.now() + LOCK_WAIT_MS);
    if (!edit) return "left";
    try {
      const drawn = await stale();
      if (!drawn) return "left";
      await notify.edit({ id: post.postId }, { message: drawn.message, props: drawn.props });
      await state.markDrawn(drawn.digest);
      return "told";
    } finally {
      await edit();
    }
  } finally {
    await release();
  }
}
