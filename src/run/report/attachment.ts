import { open } from "node:fs/promises";
import { formatBytes } from "../../files.ts";

export interface LogSlice {
  path: string;
  name: string;
  offset: number;
  size: number;
  total: number;
}

const LOOK_FOR_NEWLINE = 64 * 1024;

/**
 * The last `maxBytes` of the log as a file part to upload, starting after a line break so
 * the first line is whole. Only a small window is read: the upload streams from disk.
 */
export async function logSlice(path: string, name: string, maxBytes: number): Promise<LogSlice> {
  const handle = await open(path, "r");
  try {
    const total = (await handle.stat()).size;
    if (total <= maxBytes) return { path, name, offset: 0, size: total, total };
    let offset = total - maxBytes;
    const window = new Uint8Array(Math.min(LOOK_FOR_NEWLINE, maxBytes));
    const { bytesRead } = await handle.read(window, 0, window.length, offset);
    const newline = window.subarray(0, bytesRead).indexOf(0x0a);
    if (newline >= 0 && newline + 1 < bytesRead) offset += newline + 1;
    return { path, name, offset, size: total - offset, total };
  } finally {
    await handle.close();
  }
}

export function trimNote(slice: LogSlice): string | undefined {
  if (slice.size >= slice.total) return undefined;
  return `The log is ${formatBytes(slice.total)}: attached are its last ${formatBytes(slice.size)}.`;
}
