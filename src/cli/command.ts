import type { ArgsDef } from "citty";
import { globalOptionsHelp } from "./argv.ts";
import type { CliContext } from "./context.ts";
import type { FlagSpecs, Parsed } from "./flags.ts";
import { isTerminal } from "./tty.ts";

export interface Operand {
  name: string;
  description: string;
  valueHint: string;
}

/** One command of mmn: flags in, exit code out; the work is the library's. */
export interface Command<S extends FlagSpecs = FlagSpecs> {
  /** As help shows it: `mmn send`. */
  name: string;
  description: string;
  operands?: Operand[];
  flags: S;
  examples: string;
  /** Options end at the first operand, which starts the command it runs (`mmn run python …`). */
  wraps?: true;
  /** Flags of other commands that are typed here by mistake, with where they are. */
  elsewhere?: Readonly<Record<string, string>>;
  run(args: Parsed<S>, ctx: CliContext): Promise<number>;
}

/**
 * A command, checked against its own flags, then held in the table as one type: main parses
 * each command's arguments with that command's own declarations, so the types meet again.
 */
export const defineCommand = <S extends FlagSpecs>(command: Command<S>): Command => command as unknown as Command;

/** A command's whole help: `mmn send --help` and `mmn help send`. */
export async function commandHelp(command: Command): Promise<string> {
  return `${cleanUsage(await usage(command))}\n\n${globalOptionsHelp()}\n\nExamples:\n${command.examples}\n`;
}

/** citty's usage, without colour when it is not for a terminal, without its trailing blanks. */
const cleanUsage = (text: string) =>
  (isTerminal(1) && !process.env.NO_COLOR ? text : text.replace(/\x1b\[[0-9;]*m/g, ""))
    .replace(/[ \t]+$/gm, "")
    .trimEnd();

/** citty renders the help, from the same declarations that parse the flags. */
async function usage(command: Command): Promise<string> {
  const { renderUsage } = await import("citty");
  const args: ArgsDef = {};
  for (const operand of command.operands ?? [])
    args[operand.name] = {
      type: "positional",
      required: false,
      description: operand.description,
      valueHint: operand.valueHint,
    };
  for (const [name, flag] of Object.entries(command.flags)) {
    const valueHint = flag.type === "enum" ? flag.values.join("|") : flag.valueHint;
    args[name] =
      flag.type === "boolean"
        ? {
            type: "boolean",
            description: flag.description,
            ...(flag.alias ? { alias: flag.alias } : {}),
            ...(flag.negatable ? { default: true } : {}),
            ...(flag.negativeDescription ? { negativeDescription: flag.negativeDescription } : {}),
          }
        : {
            type: "string",
            description: flag.description,
            ...(flag.alias ? { alias: flag.alias } : {}),
            ...(valueHint ? { valueHint } : {}),
          };
  }
  return renderUsage({ meta: { name: command.name, description: command.description }, args });
}
