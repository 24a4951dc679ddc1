import { closeSync, openSync, readSync } from "node:fs";

/**
 * Reads of /proc and cgroup files, each a few hundred bytes, at every tick: synchronous (a
 * promise per file would cost more than the read) and bounded, into one buffer reused.
 */
const buffer = Buffer.allocUnsafe(16 * 1024);

/**
 * The file's first `max` bytes (16 KiB unless said) as text, or undefined when it cannot be read
 * (gone, no permission, none here). Latin-1 unless said: a byte is a character.
 */
export function readSmall(
  path: string,
  max = buffer.length,
  encoding: "latin1" | "utf8" = "latin1",
): string | undefined {
  let fd: number | undefined;
  const into = max <= buffer.length ? buffer : Buffer.allocUnsafe(max);
  try {
    fd = openSync(path, "r");
    let length = 0;
    // Files under /proc may come in pieces shorter than asked: read until the end or the bound.
    for (;;) {
      const n = readSync(fd, into, length, max - length, null);
      if (n <= 0) break;
      length += n;
      if (length === max) break;
    }
    return into.toString(encoding, 0, length);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A file that holds one number (memory.peak, memory.max_usage_in_bytes); "max" is Infinity. */
export function readNumber(path: string): number | undefined {
  const text = readSmall(path)?.trim();
  if (text === undefined || text === "") return undefined;
  if (text === "max") return Infinity;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
