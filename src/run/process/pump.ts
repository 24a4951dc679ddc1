import type { TailBuffer } from "../tail/tail.ts";
import type { LogFile } from "./logfile.ts";
import type { OutputSink } from "./sink.ts";

type Read = { done: false; value: Uint8Array } | { done: true; value?: Uint8Array | undefined };

/** One output stream of the child: its reader, and how to let go of it. */
export interface Source {
  reader: { read(): Promise<Read>; cancel(): Promise<void> };
  /** Called once reading is over, to close what the reader does not own. */
  release(): void;
}

/** When the child exited: both streams measure their grace period from it. */
export class ExitClock {
  at: number | undefined;
  private listeners: Array<() => void> = [];

  mark(): void {
    if (this.at !== undefined) return;
    this.at = performance.now();
    for (const listener of this.listeners) listener();
    this.listeners = [];
  }

  onExit(listener: () => void): void {
    if (this.at === undefined) this.listeners.push(listener);
    else listener();
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

// Re-checking the grace period more often than this while we wait on our own
// output would only spin.
const MIN_RECHECK_MS = 20;

/**
 * Copies one stream to its sink, the log and the tail until it ends; returns the
 * byte count. After the child exits, a background process may keep the pipe open
 * (`cmd &` in a script): then we read on for graceMs at most. Time spent waiting on
 * our own stdout or the log does not count, so a slow reader never loses what the
 * child wrote before it exited.
 *
 * The grace period is a timer that cancels the reader, not a race on each read:
 * racing every read against a pending promise made the copy four times slower.
 */
export async function pump(o: PumpOptions): Promise<number> {
  const { reader } = o.source;
  let bytes = 0;
  let blocked = 0; // ms spent on the sinks since the exit
  let sinkSince: number | undefined; // set while we wait on the sinks
  let timer: ReturnType<typeof setTimeout> | undefined;
  let finished = false;

  const check = () => {
    if (finished) return;
    const now = performance.now();
    const waiting = sinkSince === undefined ? 0 : now - Math.max(sinkSince, o.exit.at!);
    const left = o.graceMs - (now - o.exit.at! - blocked - waiting);
    if (left <= 0 && sinkSince === undefined) reader.cancel().catch(() => {});
    else timer = setTimeout(check, Math.max(left, MIN_RECHECK_MS));
  };
  o.exit.onExit(check);

  try {
    for (;;) {
      const next = await reader.read().catch((): Read => ({ done: true }));
      if (next.done) break;
      const chunk = next.value;
      bytes += chunk.length;
      o.tail?.push(chunk);
      o.onOutput?.(chunk.length);
      sinkSince = performance.now();
      o.log?.write(chunk);
      await o.sink.write(chunk);
      release(chunk);
      if (o.exit.at !== undefined) blocked += performance.now() - Math.max(sinkSince, o.exit.at);
      sinkSince = undefined;
      // Our stdout or stderr takes no more: its reader is gone (EPIPE) or its file
      // cannot grow (ENOSPC, EFBIG, EDQUOT). We close the child's end too, so that its
      // next write fails: SIGPIPE or EPIPE where it would have got ENOSPC, but a failure
      // it sees and can act on, as it would without us. Reading on and dropping the
      // output would let it run on as if all were well; not reading at all would leave
      // it blocked for ever once the pipe is full.
      if (o.sink.closed) break;
    }
  } finally {
    finished = true;
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
    o.source.release();
  }
  return bytes;
}

/**
 * Gives a chunk's memory back now rather than at the next garbage collection, which lags
 * tens of MiB behind a command that writes fast (1 GiB through mmn run peaked at 76-80 MiB,
 * 65-70 with this). Only once nothing holds it: the tail and the log copy what they keep,
 * the sink has flushed it. Only a chunk that is its whole buffer, as Bun's reads of a pipe are.
 */
function release(chunk: Uint8Array): void {
  const { buffer } = chunk;
  if (buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength)
    buffer.transfer(0);
}
