import { open } from "node:fs/promises";

export interface LogTail {
  data: Uint8Array;
  /** The start of the log was left out. */
  trimmed: boolean;
  /** The size of the whole log. */
  totalBytes: number;
}

/**
 * The last maxBytes of a log, for an upload bounded by the server's limit: reads
 * only that part (a log can be far larger than memory), starting after a newline
 * when trimmed so that the first line is whole.
 */
export async function readLogTail(path: string, maxBytes: number): Promise<LogTail> {
  const file = await open(path, "r");
  try {
    const totalBytes = (await file.stat()).size;
    const want = Math.max(0, Math.min(totalBytes, Math.floor(maxBytes)));
    const trimmed = want < totalBytes;
    // When trimmed, one byte more in front tells whether we start on a line boundary.
    const from = totalBytes - want - (trimmed ? 1 : 0);
    const buffer = new Uint8Array(totalBytes - from);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, from + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    let data = buffer.subarray(0, filled);
    if (trimmed) {
      const newline = data.indexOf(0x0a);
      // A single line longer than the whole budget: keep its end rather than nothing.
      data = data.subarray(newline >= 0 && newline + 1 < data.length ? newline + 1 : 1);
    }
    return { data, trimmed, totalBytes };
  } finally {
    await file.close();
  }
}
