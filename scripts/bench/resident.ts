/**
 * Where a process's resident memory lies: the pages of its executable by ELF section (Bun's
 * code, its read-only data and JS builtins, the appended bundle `.bun` with our bytecode),
 * shared libraries, and anonymous memory (allocators' arenas, thread stacks, the main stack).
 * Reads /proc/PID/smaps for the mappings and /proc/PID/pagemap for the pages present in each
 * section (as root; without it, the executable is reported by mapping only).
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";

const PAGE = 4096;

interface Section {
  name: string;
  start: number;
  end: number;
}

/** The allocated sections of a 64-bit little-endian ELF file, by address. */
function elfSections(path: string): Section[] {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    const shoff = Number(head.readBigUInt64LE(0x28));
    const shentsize = head.readUInt16LE(0x3a);
    const shnum = head.readUInt16LE(0x3c);
    const shstrndx = head.readUInt16LE(0x3e);
    const table = Buffer.alloc(shentsize * shnum);
    readSync(fd, table, 0, table.length, shoff);
    const entry = (i: number) => ({
      name: table.readUInt32LE(i * shentsize),
      flags: Number(table.readBigUInt64LE(i * shentsize + 8)),
      addr: Number(table.readBigUInt64LE(i * shentsize + 16)),
      offset: Number(table.readBigUInt64LE(i * shentsize + 24)),
      size: Number(table.readBigUInt64LE(i * shentsize + 32)),
    });
    const strtab = entry(shstrndx);
    const names = Buffer.alloc(strtab.size);
    readSync(fd, names, 0, strtab.size, strtab.offset);
    const sections: Section[] = [];
    for (let i = 1; i < shnum; i++) {
      const e = entry(i);
      // SHF_ALLOC: loaded into memory.
      if (!(e.flags & 2) || e.size === 0) continue;
      const name = names.toString("latin1", e.name, names.indexOf(0, e.name));
      sections.push({ name, start: e.addr, end: e.addr + e.size });
    }
    return sections.sort((a, b) => a.start - b.start);
  } finally {
    closeSync(fd);
  }
}

interface Mapping {
  start: number;
  end: number;
  perms: string;
  path: string;
  kb: Record<string, number>;
}

function mappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      out.push({
        start: Number.parseInt(head[1]!, 16),
        end: Number.parseInt(head[2]!, 16),
        perms: head[3]!,
        path: head[4]!.trim(),
        kb: {},
      });
      continue;
    }
    const field = /^(\w+):\s+(\d+) kB/.exec(line);
    const last = out.at(-1);
    if (field && last) last.kb[field[1]!] = Number(field[2]);
  }
  return out;
}

/** Pages of [start, end) present in memory, from pagemap (bit 63); undefined when it cannot be read. */
function presentPages(pid: number, start: number, end: number): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/pagemap`, "r");
    const first = Math.floor(start / PAGE);
    const count = Math.ceil(end / PAGE) - first;
    const buf = Buffer.alloc(count * 8);
    readSync(fd, buf, 0, buf.length, first * 8);
    let present = 0;
    for (let i = 0; i < count; i++) if (buf.readBigUInt64LE(i * 8) >> 63n) present++;
    return present;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Resident KiB by part. The executable's sections are counted by page (a page shared by two
 * sections goes to the first); its part outside any section, and everything else, by mapping.
 */
export function residentParts(pid: number, exe: string): Map<string, number> {
  const parts = new Map<string, number>();
  const add = (part: string, kb: number) => parts.set(part, (parts.get(part) ?? 0) + kb);
  const sections = elfSections(exe);
  const maps = mappings(pid);
  for (const m of maps) {
    const rss = m.kb.Rss ?? 0;
    if (m.path === exe) {
      const counted = sectionPages(pid, m, sections, add);
      if (counted === undefined) add(`${exe.split("/").pop()} ${m.perms}`, rss);
      // Pages of the mapping in no section (headers, padding): small.
      else if (rss > counted) add("executable, outside sections", rss - counted);
    } else if (m.path.startsWith("/")) add("shared libraries (libc, libm, ld.so)", rss);
    else if (m.path === "[stack]") add("main thread's stack", rss);
    else if (m.path.startsWith("[")) add(`${m.path}`, rss);
    else if (m.end - m.start >= 1024 ** 3) add("anonymous: allocator arenas (>= 1 GiB reservations)", rss);
    else if (m.end - m.start >= 4 * 1024 ** 2 - PAGE && m.end - m.start <= 8 * 1024 ** 2 + PAGE)
      add("anonymous: thread stacks (4-8 MiB mappings)", rss);
    else add("anonymous: other (JIT code, small arenas, TLS)", rss);
  }
  return parts;
}

function sectionPages(
  pid: number,
  m: Mapping,
  sections: Section[],
  add: (part: string, kb: number) => void,
): number | undefined {
  let counted = 0;
  let cursor = m.start;
  for (const s of sections) {
    const start = Math.max(cursor, Math.floor(s.start / PAGE) * PAGE, m.start);
    const end = Math.min(Math.ceil(s.end / PAGE) * PAGE, m.end);
    if (end <= start) continue;
    const pages = presentPages(pid, start, end);
    if (pages === undefined) return undefined;
    add(SECTION_NAMES[s.name] ?? `executable ${s.name}`, pages * 4);
    counted += pages * 4;
    cursor = end;
  }
  return counted;
}

const SECTION_NAMES: Record<string, string> = {
  ".text": "executable .text (Bun's machine code)",
  ".rodata": "executable .rodata (constants, ICU data)",
  ".bun_builtins": "executable .bun_builtins (Bun's JS builtins, source)",
  ".bun": "executable .bun (the bundle: our JS and bytecode)",
  ".bss": "executable .bss/.data (Bun's globals)",
  ".data": "executable .bss/.data (Bun's globals)",
};

/** Processes' parts side by side, in MiB, largest first; parts under 0.1 MiB in all are summed. */
export function partsTable(columns: Map<string, number>[]): string[] {
  const names = [...new Set(columns.flatMap((parts) => [...parts.keys()]))];
  const cells = (values: number[]) => values.map((kb) => (kb / 1024).toFixed(1).padStart(9)).join("");
  const first = columns[0] ?? new Map<string, number>();
  const rows: string[] = [];
  const small = columns.map(() => 0);
  for (const name of names.sort((a, b) => (first.get(b) ?? 0) - (first.get(a) ?? 0))) {
    const values = columns.map((parts) => parts.get(name) ?? 0);
    if (!values.every((kb) => kb < 100)) rows.push(`    ${name.padEnd(56)}${cells(values)}`);
    else for (const [i, kb] of values.entries()) small[i]! += kb;
  }
  rows.push(`    ${"the rest (ELF headers, relocations, TLS, vdso)".padEnd(56)}${cells(small)}`);
  const totals = columns.map((parts) => [...parts.values()].reduce((a, b) => a + b, 0));
  rows.push(`    ${"total".padEnd(56)}${cells(totals)}`);
  return rows;
}
