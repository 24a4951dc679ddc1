/**
 * The seams of `run/` (issue 16, items 4 and 5), read from the source: the CLI reaches it
 * through its front door only, the test suites' timings are read in one place, and no file
 * of it grows past what one reader holds in mind (the tail's terminal, one state machine on
 * the hot path, is kept whole).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Glob } from "bun";

const SRC = join(import.meta.dir, "../../src");
const files = [...new Glob("**/*.ts").scanSync(SRC)].sort();
const text = (file: string) => readFileSync(join(SRC, file), "utf8");
const specifiers = (source: string) => [...source.matchAll(/(?:from|import\()\s*"([^"]+)"/g)].map((m) => m[1]!);

test("outside run/, modules import run/index.ts and nothing else of it", () => {
  const inside: string[] = [];
  for (const file of files.filter((f) => !f.startsWith("run/"))) {
    for (const spec of specifiers(text(file))) {
      if (!spec.startsWith(".")) continue;
      const target = relative(SRC, join(SRC, file, "..", spec));
      if (target.startsWith("run/") && target !== "run/index.ts") inside.push(`${file} → ${target}`);
    }
  }
  expect(inside).toEqual([]);
});

test("the flags of mmn run are parsed in cli/, not in run/", () => {
  const wording = files.filter((f) => text(f).includes("--log needs a file name"));
  expect(wording).toEqual(["cli/run-options.ts"]);
});

test("the MMN_TEST_*_MS timings are read in one module", () => {
  expect(files.filter((f) => text(f).includes("MMN_TEST_"))).toEqual(["cli/run-timing.ts"]);
});

test("no file of run/ over 300 lines but the tail's terminal", () => {
  const long = files
    .filter((f) => f.startsWith("run/") && f !== "run/tail/terminal.ts")
    .map((f) => `${f}: ${text(f).split("\n").length - 1}`)
    .filter((line) => Number(line.split(": ")[1]) > 300);
  expect(long).toEqual([]);
});

test("the run's reporter holds its states as names, not as stacked booleans", () => {
  const flags = (file: string) => [...text(file).matchAll(/#\w+ = (?:true|false);/g)].length;
  const parts = files.filter((f) => f.startsWith("run/report/") || f === "run/array/array-reporter.ts");
  expect(parts.filter((f) => flags(f) > 0)).toEqual([]);
});
