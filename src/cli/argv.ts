import { UsageError } from "../base/errors.ts";
import { type FlagSpecs, operandsStartAt } from "./flags.ts";

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
const GLOBAL_FLAGS = {
  config: { type: "string", description: "" },
  quiet: { type: "boolean", alias: "q", description: "" },
  verbose: { type: "boolean", description: "" },
  help: { type: "boolean", alias: "h", description: "" },
  version: { type: "boolean", alias: "V", description: "" },
} satisfies FlagSpecs;

/** Their names, for "did you mean". */
export const GLOBAL_FLAG_NAMES: readonly string[] = Object.keys(GLOBAL_FLAGS);

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
export function wrappedCommandAt(args: readonly string[], from: number, flags: FlagSpecs): number {
  return from + operandsStartAt(args.slice(from), { ...GLOBAL_FLAGS, ...flags });
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
    else if (arg.startsWith("--config=")) globals.config = configOnce(globals.config, arg.slice("--config=".length));
    else if (arg === "--config") {
      const value = args[++i];
      if (value === undefined || value.startsWith("-")) throw new UsageError("--config needs a file name");
      globals.config = configOnce(globals.config, value);
    } else left.push(arg);
  }
  return { globals, args: left };
}

/** One configuration file: a second --config would silently win over the first. */
function configOnce(previous: string | undefined, value: string): string {
  if (previous !== undefined)
    throw new UsageError(
      `--config given twice (${JSON.stringify(previous)} and ${JSON.stringify(value)}): it takes one value`,
      {
        hint: "give --config once",
      },
    );
  return value;
}
