import { closeSync, openSync, write } from "node:fs";

const HINTS: Record<string, string> = {
  EFBIG: "file size limit reached (ulimit -f)",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
};

function describe(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  return code && HINTS[code] ? `${code}: ${HINTS[code]}` : (message ?? String(err));
}

function writeAt(fd: number, chunk: Uint8Array, offset: number): Promise<number> {
  return new Promise((resolve, reject) =>
    write(fd, chunk, offset, chunk.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/**
 * The log of both output streams, appended in arrival order. Writes run off the
 * event loop (a log on a stalled NFS mount must not hold up signal handling) but
 * one at a time, in the order they were asked for. The first failure (EFBIG under
 * `ulimit -f`: Bun ignores SIGXFSZ; ENOSPC; EDQUOT) ends logging and is kept in
 * `error`: the run goes on without the log.
 */
export class LogFile {
  error: string | undefined;
  private fd: number | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(path: string) {
    try {
      this.fd = openSync(path, "a");
    } catch (err) {
      this.error = describe(err);
    }
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.fd === undefined) return this.queue;
    this.queue = this.queue.then(() => this.writeAll(chunk));
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue;
    this.stop();
  }

  private async writeAll(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    // A partial write happens right at a size limit: the next one gets the error.
    while (this.fd !== undefined && offset < chunk.length) {
      try {
        offset += await writeAt(this.fd, chunk, offset);
      } catch (err) {
        this.error = describe(err);
        this.stop();
      }
    }
  }

  private stop(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
