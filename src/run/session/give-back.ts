import { type CodePages, codePages } from "../process/code-pages.ts";

/** A tick's edit answered, mostly: a later answer brings back only the pages it uses. */
const AFTER_TICK_MS = 500;

/**
 * What the start and each tick leave in memory, given back once they are over: the run idles
 * beside its job for hours, and counts against the job's memory. The start's garbage and empty
 * heap blocks once (anonymous memory 6.3 -> 5.6 MiB), the binary's code and read-only data
 * after the start and after every tick (see code-pages.ts).
 */
export class GiveBack {
  readonly #afterStartMs: number;
  readonly #afterTickMs: number;
  readonly #pages: CodePages | undefined = codePages();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #heapGiven = false;

  /**
   * `settleMs`: long enough for the start's requests (the status post) to be answered. A tick's
   * edit is one request, answered within a fraction of that: its pages go back sooner, since a
   * tick's code (Bun's fetch, its collector) is 13-18 MiB of them, resident until then.
   */
  constructor(settleMs: number) {
    this.#afterStartMs = settleMs;
    this.#afterTickMs = Math.min(settleMs, AFTER_TICK_MS);
  }

  /** After the start. */
  afterStart(): void {
    this.#timer ??= setTimeout(() => this.#now(), this.#afterStartMs);
  }

  /** After a tick. One already on its way is not put off: ticks closer than the wait would give back never. */
  afterTick(): void {
    this.#timer ??= setTimeout(() => this.#now(), this.#afterTickMs);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #now(): void {
    this.#timer = undefined;
    if (!this.#heapGiven) {
      this.#heapGiven = true;
      // Bun.shrink is deprecated: a Bun without it only collects.
      Bun.gc(true);
      (Bun as { shrink?: () => void }).shrink?.();
    }
    this.#pages?.release();
  }
}
