import { Terminal } from "./terminal.ts";

/**
 * The last lines of a byte stream as a terminal would show them, for the live
 * message (see terminal.ts for what "as a terminal" means). It sees every chunk
 * of the child's output, so it must cost next to nothing per chunk:
 * - a chunk holding more newlines than we keep lines makes everything before them
 *   invisible: one native search from its end finds where the visible part starts;
 * - that part is only parsed when someone asks for the lines (or when small chunks
 *   have filled a 64 KiB buffer), so bulk output is mostly never parsed at all.
 * Memory never grows with the input.
 */

export interface TailOptions {
  /** How many lines to keep (default 10). */
  lines?: number;
  /** Longer lines are cut and end with "…" (default 500 UTF-16 code units). */
  maxLineLength?: number;
}

const LF = 0x0a;
const PENDING_BYTES = 64 * 1024;

export class TailBuffer {
  readonly maxLines: number;
  readonly maxLineLength: number;
  private terminal: Terminal;
  private pending = new Uint8Array(PENDING_BYTES); // received, not parsed yet
  private pendingLength = 0;
  private count = 0;

  constructor(opts: TailOptions = {}) {
    this.maxLines = Math.max(1, Math.floor(opts.lines ?? 10));
    this.maxLineLength = Math.max(2, Math.floor(opts.maxLineLength ?? 500));
    this.terminal = new Terminal(this.maxLines, this.maxLineLength);
  }

  /** Grows on every non-empty push: compare it to tell whether anything changed. */
  get version(): number {
    return this.count;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.count++;
    let visible = chunk;
    const start = this.resetPoint(chunk);
    if (start > 0) {
      this.reset();
      visible = chunk.subarray(start);
    }
    if (this.pendingLength + visible.length > this.pending.length) {
      this.parsePending();
      if (visible.length > this.pending.length) return this.terminal.feed(visible, 0);
    }
    this.pending.set(visible, this.pendingLength);
    this.pendingLength += visible.length;
  }

  /** The last lines, the unfinished one included when it is not empty. */
  lines(): string[] {
    this.parsePending();
    return this.terminal.lines();
  }

  private parsePending(): void {
    if (this.pendingLength === 0) return;
    const bytes = this.pending.subarray(0, this.pendingLength);
    this.pendingLength = 0;
    const start = this.resetPoint(bytes);
    if (start > 0) this.reset();
    this.terminal.feed(bytes, start);
  }

  /**
   * After a newline the terminal's state is fresh (there no escape sequence or
   * UTF-8 character spans one), so when a chunk holds more newlines than we keep
   * lines, all before the one preceding them is invisible.
   */
  private resetPoint(chunk: Uint8Array): number {
    let i = chunk.length;
    for (let n = 0; n <= this.maxLines; n++) {
      if (i === 0) return 0;
      i = chunk.lastIndexOf(LF, i - 1);
      if (i < 0) return 0;
    }
    return i + 1;
  }

  private reset(): void {
    this.pendingLength = 0;
    this.terminal.reset();
  }
}
