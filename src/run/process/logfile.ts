import { closeSync, constants, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { describeError as describe } from "./errno.ts";

/** Emptied as tee does; never through a symlink swapped in since --log was checked, never a FIFO's wait. */
const FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What a disk that takes no more says: the log goes on as a ring in the room it had. */
const FULL = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/**
 * The log of both output streams, in arrival order. Writes are
 * synchronous, as tee's are: async writes cost a thread-pool round trip per chunk
 * (measured: 1 GiB in 0.65 s instead of 0.2 s), which made the whole copy 40%
 * slower.
 *
 * A log kept only to be attached is a ring: the end of the output is what matters, and only
 * its last `ring` bytes are ever attached, so it never holds more, and a directory that
 * fills up (ENOSPC, EDQUOT, EFBIG under `ulimit -f`: Bun ignores SIGXFSZ) makes the ring
 * as small as what was written so far. `end()` puts it back in order. A log the user named
 * (--log) is their file: a failure ends logging there, kept in `error`; the run goes on.
 */
export class LogFile {
  /** Why the log stopped, or why its ring had to shrink: "ENOSPC: no space left on device". */
  error: string | undefined;
  /** The errno code of `error`, to word it for the place the log is in. */
  code: string | undefined;
  /** Writing stopped early: the end of the output is not in the log. */
  stopped = false;
  /** Bytes of output the log was given. */
  total = 0;
  #fd: number | undefined;
  /** Where the next byte goes. */
  #at = 0;
  #ring: number;
  #wrapped = false;
  #ended = false;

  private constructor(fd: number | undefined, ring: number) {
    this.#fd = fd;
    this.#ring = ring;
  }

  /** A new file of ours; `ring`: keep only the output's last bytes, this many at most. */
  static create(path: string, ring = Infinity): LogFile {
    try {
      // Truncated, as tee does without -a: the log and its attachment are this run's alone.
      return new LogFile(openSync(path, FLAGS, 0o600), ring);
    } catch (err) {
      return LogFile.#failed(err);
    }
  }

  /** The file --log named, opened and checked before the command ran: emptied now, as tee does. */
  static adopt(fd: number): LogFile {
    const log = new LogFile(fd, Infinity);
    try {
      ftruncateSync(fd, 0);
    } catch (err) {
      log.#stop(err);
    }
    return log;
  }

  static #failed(err: unknown): LogFile {
    const log = new LogFile(undefined, Infinity);
    log.#stop(err);
    return log;
  }

  /** The descriptor written, for reading the log back: never its name again. */
  get fd(): number | undefined {
    return this.#fd;
  }

  /** Bytes of output the file holds. */
  get kept(): number {
    return this.#wrapped ? this.#ring : this.#at;
  }

  write(chunk: Uint8Array): void {
    if (this.#fd === undefined || this.#ended) return;
    this.total += chunk.length;
    // More than the ring holds: only its last bytes can stay.
    let offset = Math.max(0, chunk.length - this.#ring);
    // A partial write happens right at a size limit: the next one gets the error.
    while (!this.#ended && offset < chunk.length) {
      const room = this.#ring - this.#at;
      try {
        offset += this.#put(chunk, offset, Math.min(chunk.length - offset, room));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (this.#ring === Infinity || this.#wrapped || !FULL.has(code ?? "") || this.#at === 0) {
          this.#stop(err);
          return;
        }
        // No room for more: what was written is all the ring can ever hold.
        this.error = describe(err);
        this.code = code;
        this.#ring = this.#at;
        this.#at = 0;
        this.#wrapped = true;
        offset = Math.max(offset, chunk.length - this.#ring);
      }
    }
  }

  #put(chunk: Uint8Array, offset: number, length: number): number {
    const written = writeSync(this.#fd as number, chunk, offset, length, this.#at);
    this.#at += written;
    if (this.#at >= this.#ring) {
      this.#at = 0;
      this.#wrapped = true;
    }
    return written;
  }

  /** No more output: a ring that went round is turned so that the file reads from its oldest byte. */
  end(): void {
    if (this.#ended || this.#fd === undefined) return;
    this.#ended = true;
    if (!this.#wrapped || this.#at === 0) return;
    try {
      rotateLeft(this.#fd, this.#ring, this.#at);
    } catch (err) {
      this.#stop(err);
    }
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Nothing more is written; what was stays readable through the fd. */
  #stop(err: unknown): void {
    this.error = describe(err);
    this.code = (err as NodeJS.ErrnoException).code;
    this.stopped = true;
    this.#ended = true;
  }
}

const BLOCK = 64 * 1024;

/** The first `by` bytes of the file's first `size` moved to its end, in place: three reversals, two blocks of memory. */
function rotateLeft(fd: number, size: number, by: number): void {
  const a = new Uint8Array(BLOCK);
  const b = new Uint8Array(BLOCK);
  const reverse = (start: number, end: number) => {
    for (let i = start, j = end; j - i > 1; ) {
      const n = Math.min(BLOCK, Math.floor((j - i) / 2));
      readAll(fd, a, n, i);
      readAll(fd, b, n, j - n);
      a.subarray(0, n).reverse();
      b.subarray(0, n).reverse();
      writeAll(fd, b, n, i);
      writeAll(fd, a, n, j - n);
      i += n;
      j -= n;
    }
  };
  reverse(0, by);
  reverse(by, size);
  reverse(0, size);
}

function readAll(fd: number, buffer: Uint8Array, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) throw Object.assign(new Error("the log shrank"), { code: "EIO" });
    done += n;
  }
}

function writeAll(fd: number, buffer: Uint8Array, length: number, position: number): void {
  for (let done = 0; done < length; ) done += writeSync(fd, buffer, done, length - done, position + done);
}
