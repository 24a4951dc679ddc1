/**
 * Flags as each command declares them, parsed strictly once by main: citty accepts unknown
 * flags, keeps only the last of repeated ones and turns a flag without its value into "",
 * all of which would send something the user did not mean; node:util's parseArgs costs
 * ~5 ms of start-up in the binary. citty renders the help from the same declarations.
 * A flag that takes one value is refused when given twice (`-u alice -u bob` would reach bob
 * alone, and say "sent"); a repeatable one says so (`multiple`) and keeps every value.
 */
import { UsageError } from "../base/errors.ts";
import { closest } from "../base/suggest.ts";

interface Described {
  description: string;
  /** One letter: `-u`. */
  alias?: string;
  valueHint?: string;
  /** What to do instead of giving it twice, when there is a way (several recipients: several sends). */
  repeatHint?: string;
}

type FlagSpec =
  | (Described & {
      type: "boolean";
      /** `--no-logs` turns it off; on by default. */
      negatable?: true;
      /** What `--no-NAME` does, for the help. */
      negativeDescription?: string;
    })
  | (Described & { type: "string" /** Every value is kept (`-f a -f b`). */; multiple?: true })
  | (Described & { type: "enum"; values: readonly string[] })
  /** A value when one follows (`--mention bob`), else on (`--mention --` or before another option). */
  | (Described & { type: "optional" });

export type FlagSpecs = Record<string, FlagSpec>;

type FlagValue<F extends FlagSpec> = F extends { type: "boolean" }
  ? boolean | undefined
  : F extends { type: "string"; multiple: true }
    ? string[]
    : F extends { type: "enum"; values: readonly (infer V)[] }
      ? V | undefined
      : F extends { type: "optional" }
        ? string | true | undefined
        : string | undefined;

/** A repeatable flag is always a list; any other is absent when not given. */
type FlagValues<S extends FlagSpecs> = {
  -readonly [K in keyof S as S[K] extends { multiple: true } ? K : never]: string[];
} & {
  -readonly [K in keyof S as S[K] extends { multiple: true } ? never : K]?: FlagValue<S[K]>;
};

export interface Parsed<S extends FlagSpecs> {
  flags: FlagValues<S>;
  operands: string[];
}

export interface ParseOptions {
  /**
   * Options end at the first operand, which starts the operands with everything after it
   * (`mmn run python3 -c …`, like nohup or env).
   */
  stopAtOperand?: boolean;
  /** Flags of another command, by name, with where they are (`append`: `mmn update --append`). */
  elsewhere?: Readonly<Record<string, string>>;
  /** Other names the command line takes (the global flags), for "did you mean". */
  alsoKnown?: readonly string[];
}

export function parseFlags<S extends FlagSpecs>(
  raw: readonly string[],
  specs: S,
  options: ParseOptions = {},
): Parsed<S> {
  const long = new Map<string, [string, FlagSpec]>();
  const short = new Map<string, [string, FlagSpec]>();
  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    long.set(name, [name, spec]);
    if (spec.alias) short.set(spec.alias, [name, spec]);
    if (spec.type === "string" && spec.multiple) values[name] = [];
  }
  const operands: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const arg = raw[i]!;
    if (arg === "--") {
      operands.push(...raw.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (options.stopAtOperand) {
        operands.push(...raw.slice(i));
        break;
      }
      operands.push(arg);
      continue;
    }
    const isLong = arg.startsWith("--");
    const eq = isLong ? arg.indexOf("=") : -1;
    const key = isLong ? arg.slice(2, eq < 0 ? undefined : eq) : arg[1]!;
    const negatable = isLong && key.startsWith("no-") ? long.get(key.slice(3)) : undefined;
    const negated = negatable?.[1].type === "boolean" && negatable[1].negatable === true;
    const found = isLong ? (negated ? negatable : long.get(key)) : short.get(key);
    const shown = isLong ? `--${key}` : `-${key}`;
    if (!found) throw unknownOption(shown, isLong ? key : undefined, specs, options);
    const [name, spec] = found;
    const inline = isLong ? (eq < 0 ? undefined : arg.slice(eq + 1)) : arg.length > 2 ? arg.slice(2) : undefined;
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`${shown} does not take a value`, { hint: "see --help" });
      values[name] = !negated;
      continue;
    }
    const next = raw[i + 1];
    if (spec.type === "optional" && inline === undefined && (next === undefined || next.startsWith("-"))) {
      if (values[name] !== undefined) throw givenTwice(name, spec, values[name] as string | true, true);
      values[name] = true;
      continue;
    }
    const value = inline ?? next;
    if (value === undefined || (inline === undefined && value.startsWith("-") && value !== "-")) {
      throw new UsageError(`${shown} needs a value`, { hint: `write ${shown}=VALUE for a value that starts with -` });
    }
    if (inline === undefined) i++;
    if (spec.type === "enum" && !spec.values.includes(value)) {
      const near = closest(value, spec.values);
      throw new UsageError(`${shown} takes ${spec.values.join(" or ")}, not ${JSON.stringify(value)}`, {
        ...(near ? { hint: `did you mean ${shown} ${near}?` } : {}),
      });
    }
    const previous = values[name];
    if (Array.isArray(previous)) values[name] = [...previous, value];
    else if (previous === undefined) values[name] = value;
    else throw givenTwice(name, spec, previous as string | true, value);
  }
  return { flags: values as FlagValues<S>, operands };
}

function givenTwice(name: string, spec: FlagSpec, previous: string | true, value: string | true): UsageError {
  const flag = spec.alias ? `-${spec.alias}/--${name}` : `--${name}`;
  const values = [previous, value].map((v) => (v === true ? "alone" : JSON.stringify(v))).join(" and ");
  return new UsageError(`${flag} given twice (${values}): it takes one value`, {
    hint: spec.repeatHint ?? `give ${flag} once`,
  });
}

function unknownOption(shown: string, key: string | undefined, specs: FlagSpecs, options: ParseOptions): UsageError {
  const elsewhere = key === undefined ? undefined : options.elsewhere?.[key];
  if (elsewhere) return new UsageError(`unknown option ${shown}`, { hint: elsewhere });
  const known = [...Object.keys(specs), ...(options.alsoKnown ?? [])];
  const near = key === undefined ? undefined : closest(key, known);
  return new UsageError(`unknown option ${shown}`, {
    hint: near ? `did you mean --${near}? (see --help)` : "see --help",
  });
}

/** Where the operands start when options end at the first of them: for main, to find the command run wraps. */
export function operandsStartAt(raw: readonly string[], specs: FlagSpecs): number {
  return raw.length - parseFlags(raw, specs, { stopAtOperand: true }).operands.length;
}
