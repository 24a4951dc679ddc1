import type { FileSink } from "bun";
import { describeError } from "./errno.ts";
import type { LineEnd } from "./lineend.ts";

/**
 * Our stdout or stderr, written with backpressure: `flush()` after every chunk
 * waits until the reader has taken it, so a slow reader slows the child down
 * instead of growing our memory (measured: ~700 MB/s through a pipe, where
 * `process.stdout.write` reaches ~250 MB/s and buffers without bound).
 * A failed write never throws: the sink closes and says why.
 */
export class OutputSink {
  closed = false;
  /** The reader went away (EPIPE), as in `mmn run -- cmd | head`. */
  brokenPipe = false;
  /** Why the write failed, e.g. "ENOSPC: no space left on device". */
  error: string | undefined;

  /** `line`: told of every chunk when this is where our stderr goes, for mmn's lines among them. */
  constructor(
    private readonly writer: FileSink,
    private readonly line?: LineEnd,
  ) {}

  static stdout(line?: LineEnd): OutputSink {
    return new OutputSink(Bun.stdout.writer(), line);
  }

  static stderr(line?: LineEnd): OutputSink {
    return new OutputSink(Bun.stderr.writer(), line);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed) return;
    this.line?.wrote(chunk);
    try {
      // A write that cannot finish at once returns a promise, rejected on EPIPE.
      const pending = this.writer.write(chunk);
      if (typeof pending !== "number") await pending;
      await this.writer.flush();
    } catch (err) {
      this.closed = true;
      this.brokenPipe = (err as NodeJS.ErrnoException).code === "EPIPE";
      this.error = describeError(err);
    }
  }
}
