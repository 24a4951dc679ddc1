/**
 * Seams of issue 16, item 6, read from the source: `wakeup()` and the CLI build a client
 * from a loaded configuration the same way.
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
  expect(calling("clientOptions").filter((f) => f !== "client-options.ts")).toEqual([
    "cli/connect.ts",
    "functional.ts",
  ]);
  // Nothing else turns a loaded configuration into a connection of its own.
  expect(calling("requireConnection").filter((f) => f !== "config.ts")).toEqual(["client-options.ts"]);
});
