/**
 * Seams of issue 16, item 6, read from the source: `wakeup()` and the CLI build a client
 * from a loaded configuration the same way; the global flags are declared once; no file is
 * longer than one reader holds in mind.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Glob } from "bun";

const SRC = join(import.meta.dir, "../../src");
const files = [...new Glob("**/*.ts").scanSync(SRC)].sort();
const text = (file: string) => readFileSync(join(SRC, file), "utf8");
const calling = (name: string) => files.filter((f) => new RegExp(`(?<![.\\w])${name}\\(`).test(text(f)));

test("wakeup() and the CLI build their client with one function", () => {
  expect(calling("clientOptions").filter((f) => f !== "config/client-options.ts")).toEqual([
    "cli/connect.ts",
    "library/functional.ts",
  ]);
  // Nothing else turns a loaded configuration into a connection of its own.
  expect(calling("requireConnection").filter((f) => f !== "config/config.ts")).toEqual(["config/client-options.ts"]);
});

/** The code of a module without its comments, which may name a flag to say why. */
const code = (file: string) =>
  text(file)
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

test("the global flags are declared once, in cli/argv.ts: parsing, help, completion and did-you-mean read it", () => {
  const cli = files.filter((f) => f.startsWith("cli/"));
  const naming = cli.filter((f) => /--(config|quiet|verbose|version)\b|["'`]-[qVh]["'`]/.test(code(f)));
  expect(naming).toEqual([]);
  expect(files.filter((f) => code(f).includes("GLOBAL_FLAGS = {"))).toEqual(["cli/argv.ts"]);
});

const KEPT_WHOLE = ["run/tail/terminal.ts"];

test("no file of src/ over 300 lines but the tail's terminal (one state machine on the hot path)", () => {
  const long = files
    .filter((f) => !KEPT_WHOLE.includes(f))
    .map((f) => `${f}: ${text(f).split("\n").length - 1}`)
    .filter((line) => Number(line.split(": ")[1]) > 300);
  expect(long).toEqual([]);
});
