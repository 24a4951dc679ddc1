import { Terminal } from "./terminal.ts";

/**
 * The last lines of a byte stream as a terminal would show them, for the live
 * message (see terminal.ts for what "as a terminal" means). It sees every chunk
 * of the child's output, so it must cost next to nothing per chunk:
 * - a chunk whose end holds enough newlines, and no cursor move up among them, makes
 *   everything before them invisible: native searches from its end find where the
 *   visible part starts;
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
const ESC = 0x1b;
const PENDING_BYTES = 64 * 1024;

export class TailBuffer {
  readonly maxLines: number;
  readonly maxLineLength: number;
  private terminal: Terminal;
  private pending = new Uint8Array(PENDING_BYTES); // received, not parsed yet
  private pendingLength = 0;
  private count = 0;
  private readonly newlinesToForget: number;

  constructor(opts: TailOptions = {}) {
    this.maxLines = Math.max(1, Math.floor(opts.lines ?? 10));
    this.maxLineLength = Math.max(2, Math.floor(opts.maxLineLength ?? 500));
    this.terminal = new Terminal(this.maxLines, this.maxLineLength);
    // From anywhere on the screen, the cursor reaches the bottom row within
    // height - 1 newlines, and height more scroll every row it passed off.
    this.newlinesToForget = 2 * this.terminal.height - 1;
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
   * After a newline the parser's state is fresh (there no escape sequence or UTF-8
   * character spans one), and newlines only move the cursor down: when what follows
   * one holds enough of them and never moves the cursor up, every row on the screen
   * is written after it, from a blank start, so all before it is invisible.
   */
  private resetPoint(chunk: Uint8Array): number {
    let i = chunk.length;
    for (let n = 0; n <= this.newlinesToForget; n++) {
      if (i === 0) return 0;
      i = chunk.lastIndexOf(LF, i - 1);
      if (i < 0) return 0;
    }
    return movesUp(chunk, i + 1) ? 0 : i + 1;
  }

  private reset(): void {
    this.pendingLength = 0;
    this.terminal.reset();
  }
}

/**
 * Whether bytes from `from` on hold a CSI that moves the cursor up (ESC[nA, ESC[nF).
 * A newline ends any escape sequence, so none started before `from`; one cut off by
 * the end only acts after these bytes.
 */
function movesUp(bytes: Uint8Array, from: number): boolean {
  // Most output has no escape sequence at all: one search.
  if (bytes.indexOf(ESC, from) < 0) return false;
  // Logs are full of colours (ESC[...m) but have few capital A and F: look from those.
  return endsCsi(bytes, from, 0x41) || endsCsi(bytes, from, 0x46);
}

/**
 * Whether a `final` byte from `from` on ends a CSI, read backwards as the terminal
 * reads it forwards: ESC [, then parameter and intermediate bytes and the controls it
 * executes inside one (not LF or ESC, which end it). Each byte is walked over at most
 * once: a walk stops at the previous byte that could be a final one.
 */
function endsCsi(bytes: Uint8Array, from: number, final: number): boolean {
  for (let k = bytes.indexOf(final, from); k >= 0; k = bytes.indexOf(final, k + 1)) {
    let j = k - 1;
    for (; j > from; j--) {
      const b = bytes[j]!;
      if (b >= 0x40 || b === LF || b === ESC) break;
    }
    if (j > from && bytes[j] === 0x5b && bytes[j - 1] === ESC) return true;
  }
  return false;
}
