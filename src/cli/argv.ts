import { UsageError } from "../base/errors.ts";
import { type FlagSpecs, operandsStartAt } from "./flags.ts";

/**
 * Everything after the first `--` belongs to the wrapped command: citty would take its
 * `--help` for ours, so it never sees that part.
 */
export function splitArgv(argv: readonly string[]): { ours: string[]; rest: string[] | undefined } {
  const at = argv.indexOf("--");
  return at < 0 ? { ours: [...argv], rest: undefined } : { ours: argv.slice(0, at), rest: argv.slice(at + 1) };
}

/**
 * The global flags, declared once: taken before or after the command's name, parsed among a
 * command's own, shown in every help, completed by every shell and known to "did you mean".
 * Help lists them in this order.
 */
const GLOBAL_FLAGS = {
  config: {
    type: "string",
    valueHint: "FILE",
    needs: "a file name",
    description: "use this configuration file instead of ~/.mmnrc and .mattermost_notify",
  },
  quiet: { type: "boolean", alias: "q", description: "print nothing but errors" },
  verbose: { type: "boolean", description: "show each request, its status and time" },
  version: { type: "boolean", alias: "V", description: "print the version" },
  help: { type: "boolean", alias: "h", description: "show help; `mmn <command> --help` for a command" },
} satisfies Record<string, FlagSpecs[string] & { needs?: string }>;

type GlobalName = keyof typeof GLOBAL_FLAGS;
type Switch = { [K in GlobalName]: (typeof GLOBAL_FLAGS)[K]["type"] extends "boolean" ? K : never }[GlobalName];
type Valued = Exclude<GlobalName, Switch>;

/** The global flags as given: each switch on or off, each value when given. */
export type GlobalFlags = Record<Switch, boolean> & Partial<Record<Valued, string>>;
const GLOBALS = Object.entries(GLOBAL_FLAGS) as Array<[GlobalName, (typeof GLOBAL_FLAGS)[GlobalName]]>;

/** The same declarations as one command's flags, for the manual page. */
export const GLOBAL_FLAG_SPECS: FlagSpecs = GLOBAL_FLAGS;

/** Their names, for "did you mean". */
export const GLOBAL_FLAG_NAMES: readonly string[] = Object.keys(GLOBAL_FLAGS);

/**
 * The global flags that take a value (`--config FILE`): the word after one is neither command nor flag.
 * Loops, not map or filter, on every command's way: in the binary, the first call of each of
 * JavaScriptCore's array builtins costs 70-180 us (README: Development, issue 16's fourth pass).
 */
const valueFlags: string[] = [];
for (const [name, spec] of GLOBALS) if (spec.type === "string") valueFlags.push(`--${name}`);
export const GLOBAL_VALUE_FLAGS: readonly string[] = valueFlags;

/** The help's "Global options" block, made when help is asked for. */
export function globalOptionsHelp(): string {
  return `Global options:\n${GLOBALS.map(([name, spec]) => {
    const alias = "alias" in spec ? `-${spec.alias}, ` : "";
    const value = "valueHint" in spec ? ` ${spec.valueHint}` : "";
    return `  ${`${alias}--${name}${value}`.padEnd(16)}${spec.description}`;
  }).join("\n")}`;
}

/** Where the command name stands: the first word that is neither a flag nor the value of --config. */
export function commandAt(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    if (GLOBAL_VALUE_FLAGS.includes(args[i]!)) i++;
    else if (!args[i]!.startsWith("-")) return i;
  }
  return args.length;
}

/**
 * Where a command that `mmn run` wraps starts when it comes without `--`: at the first
 * operand after run's own options (those of `def`, and the global ones), as with nohup or
 * env. From there on every word is the command's: `mmn run grep -q x f` keeps its `-q`.
 */
export function wrappedCommandAt(args: readonly string[], from: number, flags: FlagSpecs): number {
  return from + operandsStartAt(args.slice(from), { ...GLOBAL_FLAGS, ...flags });
}

/** Global flags may stand before or after the command name; they are taken out here. */
export function extractGlobals(args: readonly string[]): { globals: GlobalFlags; args: string[] } {
  const globals = {} as GlobalFlags;
  for (const [name, spec] of GLOBALS) if (spec.type === "boolean") globals[name as Switch] = false;
  const left: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const found = globalFlagOf(arg);
    if (!found) {
      left.push(arg);
      continue;
    }
    const [name, spec] = found;
    if (spec.type === "boolean") {
      globals[name as Switch] = true;
      continue;
    }
    const inline = arg.startsWith(`--${name}=`);
    const value = inline ? arg.slice(name.length + 3) : args[++i];
    if (value === undefined || (!inline && value.startsWith("-")))
      throw new UsageError(`--${name} needs ${spec.needs}`);
    globals[name as Valued] = once(name, globals[name as Valued], value);
  }
  return { globals, args: left };
}

/** The global flag this word gives, if any: `--quiet`, `-q`, `--config`, `--config=FILE`. */
function globalFlagOf(arg: string): (typeof GLOBALS)[number] | undefined {
  for (const flag of GLOBALS) {
    const [name, spec] = flag;
    if (arg === `--${name}`) return flag;
    if (spec.type === "boolean" ? "alias" in spec && arg === `-${spec.alias}` : arg.startsWith(`--${name}=`))
      return flag;
  }
  return undefined;
}

/** One value: a second --config would silently win over the first. */
function once(name: string, previous: string | undefined, value: string): string {
  if (previous !== undefined)
    throw new UsageError(
      `--${name} given twice (${JSON.stringify(previous)} and ${JSON.stringify(value)}): it takes one value`,
      { hint: `give --${name} once` },
    );
  return value;
}
