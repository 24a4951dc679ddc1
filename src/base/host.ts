import { readSmallFile } from "./read-file.ts";

let shortName: Promise<string> | undefined;

/**
 * This machine's name up to its first dot, in letters, digits, `_` and `-`: the name of its
 * outbox on the shared home, and part of the id a run is given when it names none. Read once.
 */
export function shortHostName(): Promise<string> {
  shortName ??= (async () => {
    // Read where the kernel tells it (natively under Bun): node:os would cost every send a millisecond to load.
    const told = await readSmallFile("/proc/sys/kernel/hostname", { maxBytes: 256, own: true }).catch(() => undefined);
    const name = told?.text.trim() || (await import("node:os")).hostname();
    return (name.trim().split(".")[0] || "host").replace(/[^A-Za-z0-9_-]/g, "_");
  })();
  return shortName;
}
