#!/usr/bin/env bun
import { renderUsage, runCommand } from "citty";
import { exitCodeOf, UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { extractGlobals, splitArgv } from "./argv.ts";
import { COMMANDS, MAIN_HELP } from "./commands.ts";
import type { CliContext } from "./context.ts";
import { setLevel, ui } from "./ui.ts";

const stripAnsi = (text: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? text : text.replace(/\x1b\[[0-9;]*m/g, ""));

async function main(argv: string[]): Promise<number> {
  const { ours, rest } = splitArgv(argv);
  const { globals, args } = extractGlobals(ours);
  setLevel(globals.quiet, globals.verbose);
  const name = args[0];
  if (globals.version && !name) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!name) {
    process.stdout.write(`${MAIN_HELP}\n`);
    return globals.help ? 0 : 2;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) throw new UsageError(`unknown command ${JSON.stringify(name)}`, { hint: "run `mmn --help` to see the commands" });
  const module = await entry.load();
  if (globals.help) {
    const usage = await renderUsage(module.default);
    process.stdout.write(`${stripAnsi(usage)}\n\nExamples:\n${module.examples}\n`);
    return 0;
  }
  const ctx: CliContext = { globals, rest };
  const result: unknown = await runCommand(module.default, { rawArgs: args.slice(1), data: ctx });
  return typeof (result as { result?: unknown })?.result === "number" ? (result as { result: number }).result : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  ui.error(error);
  process.exitCode = exitCodeOf(error);
}
