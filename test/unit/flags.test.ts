import { expect, test } from "bun:test";
import { UsageError } from "../../src/base/errors.ts";
import { extractGlobals, splitArgv } from "../../src/cli/argv.ts";
import { type FlagSpecs, parseFlags } from "../../src/cli/flags.ts";

const specs = {
  user: { type: "string", alias: "u", description: "" },
  file: { type: "string", multiple: true, alias: "f", description: "" },
  json: { type: "boolean", description: "" },
  logs: { type: "boolean", negatable: true, description: "" },
  on: { type: "enum", values: ["always", "failure"], description: "" },
  mention: { type: "optional", description: "" },
} satisfies FlagSpecs;

test("long, short, inline and repeated flags; - and -- as operands; typed values", () => {
  const parsed = parseFlags(
    ["hi", "-u", "alice", "-fa.txt", "--file=b.txt", "-f", "c", "--json", "--no-logs", "-", "--", "--not-a-flag"],
    specs,
  );
  expect(parsed.flags).toEqual({ user: "alice", file: ["a.txt", "b.txt", "c"], json: true, logs: false });
  expect(parsed.operands).toEqual(["hi", "-", "--not-a-flag"]);
  // A flag declared multiple is a list even when absent.
  expect(parseFlags([], specs).flags.file).toEqual([]);
});

test("a flag that takes one value, given twice, is refused (the first would be dropped without a word)", () => {
  expect(() => parseFlags(["-u", "a", "--user", "b"], specs)).toThrow(
    new UsageError('-u/--user given twice ("a" and "b"): it takes one value'),
  );
  expect(() => parseFlags(["--on", "always", "--on=failure"], specs)).toThrow(/--on given twice/);
  expect(() => parseFlags(["--mention", "--mention", "bob"], specs)).toThrow(
    new UsageError('--mention given twice (alone and "bob"): it takes one value'),
  );
  // Booleans take no value: saying one twice says the same.
  expect(parseFlags(["--json", "--json"], specs).flags.json).toBe(true);
  expect(() => extractGlobals(["--config", "a", "--config=b"])).toThrow(/--config given twice/);
});

test("a mistyped flag: the nearest one is suggested; a flag of another command says where it is", () => {
  const hint = (args: string[], options = {}) => {
    try {
      parseFlags(args, specs, options);
    } catch (error) {
      return (error as UsageError).hint;
    }
  };
  expect(hint(["--usr", "x"])).toBe("did you mean --user? (see --help)");
  expect(hint(["--mentoin"])).toBe("did you mean --mention? (see --help)");
  expect(hint(["--verbos"], { alsoKnown: ["verbose"] })).toBe("did you mean --verbose? (see --help)");
  expect(hint(["--colour"])).toBe("see --help");
  expect(hint(["--append"], { elsewhere: { append: "it is mmn update's" } })).toBe("it is mmn update's");
});

test("an enum takes one of its values", () => {
  expect(parseFlags(["--on", "failure"], specs).flags.on).toBe("failure");
  expect(() => parseFlags(["--on", "sometimes"], specs)).toThrow(
    new UsageError('--on takes always or failure, not "sometimes"'),
  );
});

test("an optional value: taken when a word follows, else the flag is on", () => {
  expect(parseFlags(["--mention", "bob"], specs).flags.mention).toBe("bob");
  expect(parseFlags(["--mention", "--json"], specs).flags.mention).toBe(true);
  expect(parseFlags(["--mention"], specs).flags.mention).toBe(true);
  expect(parseFlags(["--mention", "--", "make"], specs)).toEqual({
    flags: { file: [], mention: true },
    operands: ["make"],
  });
});

test.each([
  [["--colour"], "unknown option --colour"],
  [["-x"], "unknown option -x"],
  [["--user"], "--user needs a value"],
  [["-u", "--json"], "-u needs a value"],
  [["--json=yes"], "--json does not take a value"],
  [["--no-user"], "unknown option --no-user"],
  [["--no-json"], "unknown option --no-json"],
])("%p is refused: %s", (args, message) => {
  expect(() => parseFlags(args, specs)).toThrow(new UsageError(message));
});

test("a value starting with - is given with =", () => {
  expect(parseFlags(["--user=-odd"], specs).flags.user).toBe("-odd");
});

test("options end at the first operand when asked (mmn run python3 -c …)", () => {
  expect(parseFlags(["-u", "a", "python3", "-c", "print(1)"], specs, { stopAtOperand: true }).operands).toEqual([
    "python3",
    "-c",
    "print(1)",
  ]);
});

test("argv splits at the first --, globals come out from anywhere", () => {
  expect(splitArgv(["run", "-q", "--", "ls", "--help", "--"])).toEqual({
    ours: ["run", "-q"],
    rest: ["ls", "--help", "--"],
  });
  const { globals, args } = extractGlobals(["--verbose", "send", "--config=x.rc", "hi", "-q"]);
  expect(args).toEqual(["send", "hi"]);
  expect(globals).toMatchObject({ verbose: true, quiet: true, config: "x.rc" });
});
