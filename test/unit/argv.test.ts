import { expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { extractGlobals, parseFlags, splitArgv } from "../../src/cli/argv.ts";
import { UsageError } from "../../src/errors.ts";

const def = {
  message: { type: "positional" },
  user: { type: "string", alias: "u" },
  file: { type: "string", alias: "f" },
  json: { type: "boolean" },
  logs: { type: "boolean", default: true },
} satisfies ArgsDef;

test("long, short, inline and repeated flags; - and -- as operands", () => {
  const parsed = parseFlags(["hi", "-u", "alice", "-fa.txt", "--file=b.txt", "-f", "c", "--json", "--no-logs", "-", "--", "--not-a-flag"], def, ["file"]);
  expect(parsed.values).toEqual({ user: "alice", file: ["a.txt", "b.txt", "c"], json: true, logs: false });
  expect(parsed.positionals).toEqual(["hi", "-", "--not-a-flag"]);
});

test("a non-repeatable flag keeps its last value", () => {
  expect(parseFlags(["-u", "a", "--user", "b"], def).values.user).toBe("b");
});

test.each([
  [["--colour"], "unknown option --colour"],
  [["-x"], "unknown option -x"],
  [["--user"], "--user needs a value"],
  [["-u", "--json"], "-u needs a value"],
  [["--json=yes"], "--json does not take a value"],
  [["--no-user"], "unknown option --no-user"],
])("%p is refused: %s", (args, message) => {
  expect(() => parseFlags(args, def)).toThrow(new UsageError(message));
});

test("a value starting with - is given with =", () => {
  expect(parseFlags(["--user=-odd"], def).values.user).toBe("-odd");
});

test("argv splits at the first --, globals come out from anywhere", () => {
  expect(splitArgv(["run", "-q", "--", "ls", "--help", "--"])).toEqual({ ours: ["run", "-q"], rest: ["ls", "--help", "--"] });
  const { globals, args } = extractGlobals(["--verbose", "send", "--config=x.rc", "hi", "-q"]);
  expect(args).toEqual(["send", "hi"]);
  expect(globals).toMatchObject({ verbose: true, quiet: true, config: "x.rc" });
});
