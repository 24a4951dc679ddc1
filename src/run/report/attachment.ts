import { open } from "node:fs/promises";
import { formatBytes } from "../../base/bytes.ts";

/** What the log kept for attaching does not hold, and why. */
export interface LogLoss {
  /** Bytes of the output's beginning not in the file: its ring went round. */
  skipped: number;
  /** Why the ring had to be smaller than asked: "$TMPDIR is full". */
  full?: string | undefined;
  /** Why writing the log stopped before the end of the output. */
  stopped?: string | undefined;
}

export interface LogSlice {
  path: string;
  name: string;
  offset: number;
  size: number;
  /** Bytes of output the log stands for: the file's, and the beginning its ring no longer holds. */
  total: number;
  /** What the file lacks, for the reply's note. */
  loss?: LogLoss;
}

const LOOK_FOR_NEWLINE = 64 * 1024;

/**
 * The last `maxBytes` of the log as a file part to upload, starting after a line break so
 * the first line is whole. Only a small window is read: the upload streams from disk.
 */
export async function logSlice(path: string, name: string, maxBytes: number, loss?: LogLoss): Promise<LogSlice> {
  const handle = await open(path, "r");
  try {
    const held = (await handle.stat()).size;
    const skipped = loss?.skipped ?? 0;
    const base = { path, name, total: held + skipped, ...(loss ? { loss } : {}) };
    if (held <= maxBytes && skipped === 0) return { ...base, offset: 0, size: held };
    let offset = Math.max(0, held - maxBytes);
    const window = new Uint8Array(Math.min(LOOK_FOR_NEWLINE, maxBytes, held - offset));
    const { bytesRead } = await handle.read(window, 0, window.length, offset);
    const newline = window.subarray(0, bytesRead).indexOf(0x0a);
    if (newline >= 0 && newline + 1 < bytesRead) offset += newline + 1;
    return { ...base, offset, size: held - offset };
  } finally {
    await handle.close();
  }
}

export function trimNote(slice: LogSlice): string | undefined {
  const { loss } = slice;
  if (loss?.stopped)
    return `The log stopped after ${formatBytes(slice.total)}: ${loss.stopped}; the rest of the output is not in it.`;
  if (slice.size >= slice.total) return undefined;
  const cut = formatBytes(slice.total - slice.size);
  if (loss?.full)
    return `The first ${cut} of the output were lost: ${loss.full}. Attached are its last ${formatBytes(slice.size)}.`;
  return `The log is ${formatBytes(slice.total)}: attached are its last ${formatBytes(slice.size)}.`;
}
