import { type CodePages, codePages } from "../process/code-pages.ts";

/**
 * What the start and each tick leave in memory, given back once they are over: the run idles
 * beside its job for hours, and counts against the job's memory. The start's garbage and empty
 * heap blocks once (anonymous memory 6.3 -> 5.6 MiB), the binary's code and read-only data
 * after the start and after every tick (see code-pages.ts).
 */
export class GiveBack {
  readonly #afterMs: number;
  readonly #pages: CodePages | undefined = codePages();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #heapGiven = false;

  /** `afterMs`: long enough for the requests a tick begins to be answered. */
  constructor(afterMs: number) {
    this.#afterMs = afterMs;
  }

  /** After the start or a tick. One already on its way is not put off: ticks closer than `afterMs` would be never. */
  soon(): void {
    this.#timer ??= setTimeout(() => this.#now(), this.#afterMs);
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
