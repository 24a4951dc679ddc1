import type { LogFile } from "./logfile.ts";
import type { OutputSink } from "./sink.ts";
import type { TailBuffer } from "./tail.ts";

type Read = { done: false; value: Uint8Array } | { done: true; value?: Uint8Array | undefined };
const END: Read = { done: true, value: undefined };

/** One output stream of the child: its reader, and how to let go of it. */
export interface Source {
  reader: { read(): Promise<Read>; cancel(): Promise<void> };
  /** Called once reading is over, to close what the reader does not own. */
  release(): void;
}

/** When the child exited: both streams measure their grace period from it. */
export class ExitClock {
  at: number | undefined;
  readonly exited: Promise<void>;
  private resolve!: () => void;

  constructor() {
    this.exited = new Promise((resolve) => (this.resolve = resolve));
  }

  mark(): void {
    this.at ??= performance.now();
    this.resolve();
  }
}

export interface PumpOptions {
  source: Source;
  sink: OutputSink;
  log?: LogFile | undefined;
  tail?: TailBuffer | undefined;
  onOutput?: ((bytes: number) => void) | undefined;
  exit: ExitClock;
  graceMs: number;
}

/**
 * Copies one stream to its sink, the log and the tail until it ends; returns the
 * byte count. After the child exits, a background process may keep the pipe open
 * (`cmd & ` in a script): then we read on for graceMs at most. Time spent waiting
 * for our own stdout or the log does not count, so a slow reader never loses what
 * the child wrote before it exited.
 */
export async function pump(o: PumpOptions): Promise<number> {
  let bytes = 0;
  let blocked = 0;
  try {
    for (;;) {
      const next = await readWithinGrace(o, blocked);
      if (next.done) break;
      const chunk = next.value;
      bytes += chunk.length;
      o.tail?.push(chunk);
      o.onOutput?.(chunk.length);
      const start = performance.now();
      await Promise.all([o.log?.write(chunk), o.sink.write(chunk)]);
      if (o.exit.at !== undefined) blocked += performance.now() - Math.max(start, o.exit.at);
      // Our reader is gone: close the child's end too, so that its next write
      // fails as it would have in a shell pipeline (SIGPIPE) instead of running on.
      if (o.sink.brokenPipe) break;
    }
  } finally {
    await o.source.reader.cancel().catch(() => {});
    o.source.release();
  }
  return bytes;
}

async function readWithinGrace(o: PumpOptions, blocked: number): Promise<Read> {
  // A read lost in a race may still fail later: never leave that rejection unhandled.
  const read = o.source.reader.read().catch(() => END);
  if (o.exit.at === undefined) {
    const first = await Promise.race([read, o.exit.exited.then(() => undefined)]);
    if (first) return first;
  }
  const left = o.graceMs - (performance.now() - o.exit.at! - blocked);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Read>((resolve) => (timer = setTimeout(resolve, Math.max(0, left), END)));
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
