import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogFile } from "../../../src/run/process/logfile.ts";

const dir = mkdtempSync(join(tmpdir(), "mmn-logfile-"));
const bytes = (text: string) => new TextEncoder().encode(text);

test("a ring keeps the output's last bytes in order, however the chunks fall and however far it went round", () => {
  const output = Array.from({ length: 30_000 }, (_, i) => `line ${i}\n`).join("");
  for (const [ring, chunk] of [
    [1000, 7],
    [1000, 1000],
    [1000, 2500],
    [65_536 * 2 + 3, 4096],
  ] as const) {
    const path = join(dir, `ring-${ring}-${chunk}.log`);
    const log = LogFile.create(path, ring);
    for (let i = 0; i < output.length; i += chunk) log.write(bytes(output.slice(i, i + chunk)));
    log.end();
    log.close();
    expect(readFileSync(path, "utf8")).toBe(output.slice(-ring));
    expect(log.total).toBe(output.length);
    expect(log.kept).toBe(ring);
    expect(log.error).toBeUndefined();
  }
});

test("a ring that never went round is the whole output", () => {
  const path = join(dir, "short.log");
  const log = LogFile.create(path, 1000);
  log.write(bytes("a\n"));
  log.write(bytes("b\n"));
  log.end();
  expect(readFileSync(path, "utf8")).toBe("a\nb\n");
  expect(log.total - log.kept).toBe(0);
});
