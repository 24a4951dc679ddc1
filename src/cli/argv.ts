import type { ArgsDef } from "citty";
import { UsageError } from "../errors.ts";

export interface GlobalFlags {
  config?: string;
  quiet: boolean;
  verbose: boolean;
  help: boolean;
  version: boolean;
}

/**
 * Everything after the first `--` belongs to the wrapped command: citty would take its
 * `--help` for ours, so it never sees that part.
 */
export function splitArgv(argv: readonly string[]): { ours: string[]; rest: string[] | undefined } {
  const at = argv.indexOf("--");
  return at < 0 ? { ours: [...argv], rest: undefined } : { ours: argv.slice(0, at), rest: argv.slice(at + 1) };
}

/** The global flags as a definition, to parse them among a command's own. */
const GLOBAL_ARGS = {
  config: { type: "string" },
  quiet: { type: "boolean", alias: "q" },
  verbose: { type: "boolean" },
  help: { type: "boolean", alias: "h" },
  version: { type: "boolean", alias: "V" },
} satisfies ArgsDef;

/** Where the command name stands: the first word that is neither a flag nor the value of --config. */
export function commandAt(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--config") i++;
    else if (!args[i]!.startsWith("-")) return i;
  }
  return args.length;
}

/**
 * Where a command that `mmn run` wraps starts when it comes without `--`: at the first
 * operand after run's own options (those of `def`, and the global ones), as with nohup or
 * env. From there on every word is the command's: `mmn run grep -q x f` keeps its `-q`.
 */
export function wrappedCommandAt(args: readonly string[], from: number, def: ArgsDef): number {
  const { positionals } = parseFlags(args.slice(from), { ...GLOBAL_ARGS, ...def }, [], { stopAtPositional: true });
  return args.length - positionals.length;
}

/** Global flags may stand before or after the command name; they are taken out here. */
export function extractGlobals(args: readonly string[]): { globals: GlobalFlags; args: string[] } {
  const globals: GlobalFlags = { quiet: false, verbose: false, help: false, version: false };
  const left: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--quiet" || arg === "-q") globals.quiet = true;
    else if (arg === "--verbose") globals.verbose = true;
    else if (arg === "--help" || arg === "-h") globals.help = true;
    else if (arg === "--version" || arg === "-V") globals.version = true;
    else if (arg.startsWith("--config=")) globals.config = arg.slice("--config=".length);
    else if (arg === "--config") {
      const value = args[++i];
      if (value === undefined || value.startsWith("-")) throw new UsageError("--config needs a file name");
      globals.config = value;
    } else left.push(arg);
  }
  return { globals, args: left };
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

interface Option {
  name: string;
  boolean: boolean;
  repeatable: boolean;
}

/**
 * Strict parsing from a citty args definition: citty accepts unknown flags, keeps only the
 * last of repeated ones and turns a flag without its value into "", all of which would
 * send something the user did not mean. `repeatable` names flags that collect every value.
 * `stopAtPositional`: options end at the first operand, which starts the positionals with
 * everything after it (`mmn run python3 -c …`, like nohup or env).
 * Our own rather than node:util's parseArgs, which costs ~5 ms of start-up in the binary.
 */
export function parseFlags(raw: readonly string[], def: ArgsDef, repeatable: readonly string[] = [], options: { stopAtPositional?: boolean } = {}): Parsed {
  const long = new Map<string, Option>();
  const short = new Map<string, Option>();
  for (const [name, arg] of Object.entries(def)) {
    if (arg.type === "positional") continue;
    const option = { name, boolean: arg.type === "boolean", repeatable: repeatable.includes(name) };
    long.set(name, option);
    for (const alias of ["alias" in arg ? (arg.alias ?? []) : []].flat()) (alias.length === 1 ? short : long).set(alias, option);
  }
  const parsed: Parsed = { values: {}, positionals: [] };
  const set = (option: Option, value: string | boolean) => {
    const previous = parsed.values[option.name];
    if (option.repeatable && typeof value === "string") parsed.values[option.name] = [...(Array.isArray(previous) ? previous : []), value];
    else parsed.values[option.name] = value;
  };
  for (let i = 0; i < raw.length; i++) {
    const arg = raw[i]!;
    if (arg === "--") {
      parsed.positionals.push(...raw.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (options.stopAtPositional) {
        parsed.positionals.push(...raw.slice(i));
        break;
      }
      parsed.positionals.push(arg);
      continue;
    }
    const isLong = arg.startsWith("--");
    const eq = isLong ? arg.indexOf("=") : -1;
    const key = isLong ? arg.slice(2, eq < 0 ? undefined : eq) : arg[1]!;
    const negated = isLong && key.startsWith("no-") && long.get(key.slice(3))?.boolean === true;
    const option = isLong ? (negated ? long.get(key.slice(3)) : long.get(key)) : short.get(key);
    const shown = isLong ? `--${key}` : `-${key}`;
    if (!option) throw new UsageError(`unknown option ${shown}`, { hint: "see --help" });
    const inline = isLong ? (eq < 0 ? undefined : arg.slice(eq + 1)) : arg.length > 2 ? arg.slice(2) : undefined;
    if (option.boolean) {
      if (inline !== undefined) throw new UsageError(`${shown} does not take a value`, { hint: "see --help" });
      set(option, !negated);
      continue;
    }
    const value = inline ?? raw[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith("-") && value !== "-")) {
      throw new UsageError(`${shown} needs a value`, { hint: `write ${shown}=VALUE for a value that starts with -` });
    }
    if (inline === undefined) i++;
    set(option, value);
  }
  return parsed;
}

export const str = (value: Parsed["values"][string]): string | undefined => (typeof value === "string" ? value : undefined);
export const list = (value: Parsed["values"][string]): string[] => (Array.isArray(value) ? value : typeof value === "string" ? [value] : []);
