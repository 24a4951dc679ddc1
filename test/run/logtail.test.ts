import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLogTail } from "../../src/run/logtail.ts";

const dir = mkdtempSync(join(tmpdir(), "mmn-logtail-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = (data: Uint8Array) => new TextDecoder().decode(data);

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test("a log under the limit comes back whole", async () => {
  const tail = await readLogTail(file("small", "a\nb\n"), 100);
  expect(text(tail.data)).toBe("a\nb\n");
  expect(tail).toMatchObject({ trimmed: false, totalBytes: 4 });
});

test("a trimmed log starts on a line boundary", async () => {
  const path = file("lines", "first line\nsecond line\nthird\n");
  const tail = await readLogTail(path, 15);
  expect(text(tail.data)).toBe("third\n");
  expect(tail).toMatchObject({ trimmed: true, totalBytes: 29 });
  // Cut exactly at a line start: nothing is lost.
  expect(text((await readLogTail(path, 18)).data)).toBe("second line\nthird\n");
});

test("one line longer than the limit: its end is kept", async () => {
  const tail = await readLogTail(file("long", "x".repeat(100)), 10);
  expect(text(tail.data)).toBe("x".repeat(10));
  expect(tail.trimmed).toBe(true);
});

test("reads only the end of a large file", async () => {
  const big = new Uint8Array(64 << 20).fill(0x61);
  big.set(new TextEncoder().encode("\nthe end\n"), big.length - 9);
  const path = file("big", big);
  const before = process.memoryUsage().rss;
  const tail = await readLogTail(path, 1024);
  expect(process.memoryUsage().rss - before).toBeLessThan(32 << 20);
  expect(text(tail.data)).toBe("the end\n");
  expect(tail.totalBytes).toBe(64 << 20);
});

test("empty log", async () => {
  expect(await readLogTail(file("empty", ""), 10)).toEqual({ data: new Uint8Array(0), trimmed: false, totalBytes: 0 });
});
