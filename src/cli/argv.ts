import type { ArgsDef } from "citty";
import { parseArgs, type ParseArgsConfig } from "node:util";
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

/**
 * Strict parsing from a citty args definition: citty accepts unknown flags, keeps only the
 * last of repeated ones and turns a flag without its value into "", all of which would
 * send something the user did not mean. `repeatable` names flags that collect every value.
 */
export function parseFlags(raw: readonly string[], def: ArgsDef, repeatable: readonly string[] = []): Parsed {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, arg] of Object.entries(def)) {
    if (arg.type === "positional") continue;
    const short = ["alias" in arg ? (arg.alias ?? []) : []].flat().find((a) => a.length === 1);
    options[name] = {
      type: arg.type === "boolean" ? "boolean" : "string",
      ...(short ? { short } : {}),
      ...(repeatable.includes(name) ? { multiple: true } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({ args: [...raw], options, strict: true, allowPositionals: true, allowNegative: true });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    throw new UsageError(describeParseError(error), { hint: "see --help" });
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  const code = (error as { code?: string }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option ?? message}`;
  if (/argument missing|ambiguous/.test(message)) return `${option ?? "an option"} needs a value`;
  if (/does not take an argument/.test(message)) return `${option ?? "a flag"} does not take a value`;
  return message.split("\n")[0] ?? message;
}

export const str = (value: Parsed["values"][string]): string | undefined => (typeof value === "string" ? value : undefined);
export const list = (value: Parsed["values"][string]): string[] => (Array.isArray(value) ? value : typeof value === "string" ? [value] : []);
