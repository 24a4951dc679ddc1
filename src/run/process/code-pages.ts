import { readFileSync } from "node:fs";
import { openLibc } from "../../base/libc.ts";

/**
 * The code and read-only data mmn's binary and libraries brought into memory, given back while
 * the run idles beside its job. They are clean pages of files (Bun's machine code is 30 MiB of
 * an idle run's 46), which the kernel would read again from its page cache at the next use, and
 * which Slurm's jobacct_gather/linux counts in the job's RSS and MaxRSS all the same: after the
 * start and after each tick, most of them are not used again before the next one.
 *
 * Only mappings no one ever wrote to are given back (private, not writable, with no page of
 * their own: `Anonymous: 0 kB`): dropping a page written since its mapping (relocations made
 * read-only, a debugger's breakpoint) would bring back the file's bytes instead.
 */
export interface CodePages {
  /** Unmaps the pages from this process; the next use faults them back from the page cache. */
  release(): void;
}

const MADV_DONTNEED = 4;
/** The smaps of a run: ~70 mappings, a few KiB each; bounded as every read is. */
const MAX_SMAPS_BYTES = 4 * 1024 * 1024;

interface Range {
  start: number;
  length: number;
}

/** Undefined off Linux, without FFI, or where /proc/self/smaps cannot be read. */
export function codePages(): CodePages | undefined {
  const libc = openLibc({ madvise: { args: ["u64", "u64", "i32"], returns: "i32" } });
  if (!libc) return undefined;
  let ranges: Range[] | undefined;
  return {
    release() {
      ranges ??= cleanFileRanges(readSmaps());
      for (const { start, length } of ranges) libc.madvise(start, length, MADV_DONTNEED);
    },
  };
}

function readSmaps(): string {
  try {
    const text = readFileSync("/proc/self/smaps", "latin1");
    return text.length <= MAX_SMAPS_BYTES ? text : "";
  } catch {
    return "";
  }
}

/** Private, read-only or executable mappings of a file, none of whose pages was ever written. */
export function cleanFileRanges(smaps: string): Range[] {
  const ranges: Range[] = [];
  let current: (Range & { eligible: boolean }) | undefined;
  const close = () => {
    if (current?.eligible) ranges.push({ start: current.start, length: current.length });
    current = undefined;
  };
  for (const line of smaps.split("\n")) {
    const head = mappingHead(line);
    if (head) {
      close();
      current = head;
      continue;
    }
    if (current && line.startsWith("Anonymous:") && Number.parseInt(line.slice(10), 10) !== 0) current.eligible = false;
  }
  close();
  return ranges;
}

/** "01a40000-0684a000 r-xp 01838000 fe:00 3130726   /path/mmn": a mapping's first line. */
const HEAD = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) \S+ \S+ \S+ *(.*)$/;

function mappingHead(line: string): (Range & { eligible: boolean }) | undefined {
  const [, from, to, perms, path] = HEAD.exec(line) ?? [];
  if (!from || !to || !perms) return undefined;
  const start = Number.parseInt(from, 16);
  const end = Number.parseInt(to, 16);
  if (!Number.isSafeInteger(end) || end <= start) return undefined;
  // A file's own mapping (not [heap], [vdso] or an anonymous one), private, never writable.
  const eligible = path?.startsWith("/") === true && perms[1] === "-" && perms[3] === "p";
  return { start, length: end - start, eligible };
}
