import { expect, test } from "bun:test";
import { cleanFileRanges } from "../../../src/run/process/code-pages.ts";

const mapping = (head: string, anonymousKb: number) =>
  `${head}\nSize:               1024 kB\nRss:                 512 kB\nAnonymous:      ${anonymousKb} kB\nVmFlags: rd ex mr mw me\n`;

test("only private mappings of a file that were never writable and hold no page of their own are given back", () => {
  const smaps = [
    mapping("00200000-01a39000 r--p 00000000 fe:00 3130726                            /opt/mmn/mmn", 0),
    mapping("01a40000-0684a000 r-xp 01838000 fe:00 3130726                            /opt/mmn/mmn", 0),
    // Written since it was mapped (relocations made read-only afterwards): the file's bytes would come back.
    mapping("0684a000-06867000 r--p 06641000 fe:00 3130726                            /opt/mmn/mmn", 116),
    mapping("06867000-06de8000 rw-p 0665e000 fe:00 3130726                            /opt/mmn/mmn", 0),
    mapping("7f9197f24000-7f919807a000 r-xp 00026000 fe:00 339380                     /usr/lib/libc.so.6", 0),
    mapping("7f9198000000-7f9198100000 r--s 00000000 fe:00 12                         /dev/shm/shared", 0),
    mapping("5626c000000-562ac000000 rw-p 00000000 00:00 0 ", 5124),
    mapping("7fff5000-7fff7000 r-xp 00000000 00:00 0                                  [vdso]", 0),
    mapping("7f00000-7f01000 r--p 00000000 fe:00 77                                   /home/a b/with space", 0),
  ].join("");
  expect(cleanFileRanges(smaps)).toEqual([
    { start: 0x200000, length: 0x1a39000 - 0x200000 },
    { start: 0x1a40000, length: 0x684a000 - 0x1a40000 },
    { start: 0x7f9197f24000, length: 0x7f919807a000 - 0x7f9197f24000 },
    { start: 0x7f00000, length: 0x1000 },
  ]);
});

test("nothing readable, nothing given back", () => {
  expect(cleanFileRanges("")).toEqual([]);
  expect(cleanFileRanges("garbage\nAnonymous: 0 kB\n")).toEqual([]);
});
