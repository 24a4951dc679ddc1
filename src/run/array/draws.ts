/**
 * Who draws an array's board, and what: the board as the server is asked to show it, with a
 * digest that `drawn` keeps (the same board is not drawn twice), and whether a task other than
 * the one asking will still draw it. A task whose end finds none such is the last for now, and
 * draws its count whatever the interval; the others leave it to the last, or to the interval.
 */
import { createHash } from "node:crypto";
import type { ArrayTask } from "./array.ts";
import { type Board, boardMessage, boardProps } from "./board.ts";
import type { TaskRecord } from "./tasks.ts";

export function drawing(array: ArrayTask, b: Board, name?: string) {
  const message = boardMessage(array, b, name);
  const props = boardProps(array, b, name);
  const digest = createHash("sha256")
    .update(JSON.stringify([message, props]))
    .digest("base64url");
  return { message, props, digest };
}

/** The task runs (and ticks), or it wrote its end and waits for the lock of the ends to tell it (until its deadline). */
export function drawsLater(record: TaskRecord, now: number): boolean {
  if (record.phase === "running") return true;
  return !record.told && !record.unheard && record.tellBy !== undefined && record.tellBy > now;
}

/** No task but `self` will draw the board. */
export const lastToDraw = (records: readonly TaskRecord[], self?: string, now = Date.now()): boolean =>
  !records.some((r) => r.task !== self && drawsLater(r, now));
