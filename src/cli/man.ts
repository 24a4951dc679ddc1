/**
 * The manual page, `mmn help --man`: roff written from the same declarations that parse the
 * flags and print `--help` (each command's flags, operands, description and examples, and the
 * global flags), so the two cannot disagree. The install script saves it as mmn.1.
 */
import { VERSION } from "../base/version.ts";
import { GLOBAL_FLAG_SPECS } from "./argv.ts";
import type { Command } from "./command.ts";
import type { CommandTable } from "./commands.ts";
import type { FlagSpecs } from "./flags.ts";

/**
 * Text as roff prints it: a backslash is `\e`; every `-` a minus (`\-`), else groff shows
 * a hyphen that breaks a copied command line; anything beyond ASCII by its code point, which
 * every troff reads whatever the input's encoding; a line starting with `.` or `'` is text.
 */
function roff(text: string): string {
  let out = "";
  for (const char of text.replace(/\\/g, "\\e").replace(/-/g, "\\-")) {
    const code = char.codePointAt(0)!;
    out += code < 128 ? char : `\\[u${code.toString(16).toUpperCase().padStart(4, "0")}]`;
  }
  return out.replace(/^([.'])/gm, "\\&$1");
}

const bold = (text: string) => `\\fB${roff(text)}\\fR`;
const italic = (text: string) => `\\fI${roff(text)}\\fR`;

/** One flag as a tagged paragraph: `-u, --user NAME`, then what it does. */
function flagItems(flags: FlagSpecs): string[] {
  return Object.entries(flags).flatMap(([name, flag]) => {
    const names = [...(flag.alias ? [bold(`-${flag.alias}`)] : []), bold(`--${name}`)].join(", ");
    const hint = flag.type === "enum" ? flag.values.join("|") : flag.valueHint;
    const value = flag.type !== "boolean" && hint ? ` ${italic(flag.type === "optional" ? `[${hint}]` : hint)}` : "";
    const item = [".TP", `${names}${value}`, roff(flag.description)];
    if (flag.type === "boolean" && flag.negatable)
      item.push(".TP", bold(`--no-${name}`), roff(flag.negativeDescription ?? `the opposite of --${name}`));
    return item;
  });
}

/** Lines kept as they are, indented: examples. */
const verbatim = (text: string) => [".PP", ".RS 4", ".nf", roff(text.replace(/^ {2}/gm, "")), ".fi", ".RE"];

function commandSection(name: string, command: Command): string[] {
  const operands = (command.operands ?? []).map((o) => ` ${italic(`[${o.valueHint}]`)}`).join("");
  return [
    `.SS ${bold(`mmn ${name}`)}${operands ? ` ${operands.trim()}` : ""}`,
    roff(command.description),
    ...(command.operands ?? []).flatMap((o) => [".TP", italic(o.valueHint), roff(o.description)]),
    ...flagItems(command.flags),
    ".PP",
    "Examples:",
    ...verbatim(command.examples),
  ];
}

export async function manPage(commands: CommandTable, exitCodes: string): Promise<string> {
  const sections: string[] = [];
  for (const [name, entry] of Object.entries(commands)) sections.push(...commandSection(name, await entry.load()));
  const lines = [
    `.TH MMN 1 "" "mmn ${roff(VERSION)}" "User Commands"`,
    // Flags are not words to break at the end of a line.
    ".nh",
    ".SH NAME",
    "mmn \\- Mattermost notifications for long jobs",
    ".SH SYNOPSIS",
    `${bold("mmn")} ${italic("command")} [${italic("options")}] [${bold("--")} ${italic("command for run")}]`,
    ".SH DESCRIPTION",
    roff(
      "mmn tells you in Mattermost, on your phone too, when a job on a cluster or a remote server started, how it is going and how it ended, with its log attached. `mmn setup` writes the configuration once; `mmn <command> --help` shows what this page says of one command.",
    ),
    ".SH COMMANDS",
    ...sections,
    ".SH GLOBAL OPTIONS",
    roff("Before or after the command's name."),
    ...flagItems(GLOBAL_FLAG_SPECS),
    ".SH EXIT STATUS",
    roff(exitCodes.replace(/^Exit codes: /, "").replace(/\n/g, " ")),
    ".SH FILES",
    ".TP",
    `${italic("~/.mmnrc")}, ${italic(".mattermost_notify")}`,
    roff("the configuration (key=value lines), written by `mmn setup`; MMN_* variables and flags override it"),
    ".TP",
    italic("~/.local/state/mmn/hooks"),
    roff("the message hooks `mmn update --id` finds messages by ($MMN_HOOK_DIR, else $XDG_STATE_HOME/mmn/hooks)"),
    ".SH SEE ALSO",
    `${bold("sbatch")}(1), ${bold("scancel")}(1)`,
  ];
  return `${lines.join("\n")}\n`;
}
