import { UsageError } from "../base/errors.ts";
import { closest } from "../base/suggest.ts";
import { GLOBAL_FLAG_NAMES, GLOBAL_VALUE_FLAGS } from "./argv.ts";
import { defineCommand } from "./command.ts";
import type { CommandTable } from "./commands.ts";
import { print } from "./ui.ts";

const examples = `  mmn completion bash > ~/.local/share/bash-completion/completions/mmn
  mmn completion zsh > ~/.zfunc/_mmn        # with fpath+=(~/.zfunc) before compinit
  mmn completion fish > ~/.config/fish/completions/mmn.fish`;

const GLOBALS = GLOBAL_FLAG_NAMES.map((name) => `--${name}`);
/** A shell test: the word is a global flag that takes a value (`--config`), so the next is that value. */
const takesValue = (word: string) => GLOBAL_VALUE_FLAGS.map((flag) => `${word} == "${flag}"`).join(" || ");
const HOOK_ACTIONS = ["list", "show", "export", "import", "rm", "prune"];
const SHELL_NAMES = ["bash", "zsh", "fish"];

/** Words completed after a command besides its flags: hook's actions, completion's shells. */
const operands = (name: string, commands: readonly string[]): readonly string[] =>
  name === "hook" ? HOOK_ACTIONS : name === "completion" ? SHELL_NAMES : name === "help" ? commands : [];

/** Flags of every command, read from the same declarations that parse them. */
async function flagTable(commands: CommandTable): Promise<Record<string, string[]>> {
  const table: Record<string, string[]> = {};
  for (const [name, entry] of Object.entries(commands)) {
    const { flags } = await entry.load();
    table[name] = Object.entries(flags).map(([flag, spec]) =>
      spec.type === "boolean" && spec.negatable ? `--no-${flag}` : `--${flag}`,
    );
  }
  return table;
}

/** run's flags that take a value, long and short: the word after one is no command. */
async function runValueFlags(commands: CommandTable): Promise<string[]> {
  const run = await commands.run?.load();
  return Object.entries(run?.flags ?? {})
    .filter(([, spec]) => spec.type === "string" || spec.type === "enum")
    .flatMap(([flag, spec]) => [`--${flag}`, ...(spec.alias ? [`-${spec.alias}`] : [])]);
}

function bash(table: Record<string, string[]>, runValues: string[]): string {
  const cases = Object.entries(table)
    .map(
      ([name, flags]) =>
        `    ${name}) opts="${[...flags, ...GLOBALS, ...operands(name, Object.keys(table))].join(" ")}" ;;`,
    )
    .join("\n");
  // The command is the first word that is neither an option nor the value of a global one (--config).
  // After run's options, the wrapped command: its name, then its own words (files, by -o default).
  return `# mmn bash completion
_mmn() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd="" i w
  local values=" ${runValues.join(" ")} "
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    [[ $w == "--" ]] && { ((COMP_CWORD == i + 1)) && COMPREPLY=($(compgen -c -- "$cur")); return 0; }
    [[ ${takesValue("$w")} ]] && { ((i++)); continue; }
    if [[ $cmd == run ]]; then
      [[ $values == *" $w "* ]] && { ((i++)); continue; }
      [[ $w != -* ]] && return 0
      continue
    fi
    [[ -z $cmd && $w != -* ]] && cmd=$w
  done
  [[ ${takesValue("$prev")} ]] && { COMPREPLY=($(compgen -f -- "$cur")); return; }
  if [[ $cmd == run ]]; then
    [[ $prev == "--on" ]] && { COMPREPLY=($(compgen -W "always failure" -- "$cur")); return; }
    [[ $values == *" $prev "* ]] && return 0
    [[ $cur != -* ]] && { COMPREPLY=($(compgen -c -- "$cur")); return; }
  fi
  local opts
  case $cmd in
    "") COMPREPLY=($(compgen -W "${Object.keys(table).join(" ")} ${GLOBALS.join(" ")}" -- "$cur")); return ;;
${cases}
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -W "$opts" -- "$cur")); fi
}
complete -o default -F _mmn mmn
`;
}

/**
 * Works both autoloaded from $fpath (the file is then the completion itself, and the
 * first TAB must complete) and sourced (`source <(mmn completion zsh)`: it registers).
 */
function zsh(table: Record<string, string[]>): string {
  const cases = Object.entries(table)
    .map(
      ([name, flags]) =>
        `    ${name}) compadd -- ${[...flags, ...GLOBALS, ...operands(name, Object.keys(table))].join(" ")}; _files ;;`,
    )
    .join("\n");
  return `#compdef mmn
_mmn() {
  local cmd="" i dashes=\${words[(I)--]}
  if (( dashes && dashes < CURRENT )); then
    words=("\${(@)words[dashes+1,-1]}"); (( CURRENT -= dashes )); _normal; return
  fi
  [[ ${takesValue(`\${words[CURRENT-1]}`)} ]] && { _files; return; }
  for (( i = 2; i < CURRENT; i++ )); do
    [[ ${takesValue(`\${words[i]}`)} ]] && { (( i++ )); continue; }
    [[ \${words[i]} != -* ]] && { cmd=\${words[i]}; break; }
  done
  case $cmd in
    "") compadd -- ${Object.keys(table).join(" ")} ${GLOBALS.join(" ")} ;;
${cases}
  esac
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then _mmn "$@"; else compdef _mmn mmn; fi
`;
}

/**
 * Files stay offered wherever a file may go (setup --token-file, hook import, -f). The
 * command `mmn run` wraps (after `--`, or from the first word after run's options) gets
 * a command's name, then its own words: none of mmn's options.
 */
function fish(table: Record<string, string[]>, runValues: string[]): string {
  const ours = "not __mmn_wrapped first; and not __mmn_wrapped rest";
  const lines = [
    "# mmn fish completion",
    "function __mmn_wrapped -a want",
    "    set -l run 0; set -l skip 0; set -l started 0; set -l count 0",
    "    for w in (commandline -opc)[2..-1]",
    "        if test $started = 1; set count (math $count + 1); continue; end",
    "        if test $skip = 1; set skip 0; continue; end",
    "        if test $run = 0",
    `            contains -- $w ${GLOBAL_VALUE_FLAGS.join(" ")}; and set skip 1`,
    '            test "$w" = run; and set run 1',
    "            continue",
    "        end",
    '        if test "$w" = --; set started 1; continue; end',
    `        if contains -- $w ${runValues.join(" ")}; set skip 1; continue; end`,
    "        if not string match -q -- '-*' $w; set started 1; set count 1; end",
    "    end",
    '    if test "$want" = rest; test $started = 1 -a $count -gt 0; return; end',
    "    test $started = 1 -a $count = 0; and return 0",
    "    test $run = 1 -a $started = 0 -a $skip = 0; and not string match -q -- '-*' (commandline -ct)",
    "end",
    `complete -c mmn -n __fish_use_subcommand -f -a "${Object.keys(table).join(" ")}"`,
    ...GLOBALS.map(
      (g) => `complete -c mmn -n "${ours}" -l ${g.slice(2)}${GLOBAL_VALUE_FLAGS.includes(g) ? " -r -F" : ""}`,
    ),
    `complete -c mmn -n "__mmn_wrapped first" -f -a "(__fish_complete_command)"`,
  ];
  for (const [name, flags] of Object.entries(table)) {
    const when = `__fish_seen_subcommand_from ${name}; and ${ours}`;
    for (const flag of flags)
      lines.push(`complete -c mmn -n "${when}" -l ${flag.slice(2)}${flag === "--on" ? ' -x -a "always failure"' : ""}`);
    const words = operands(name, Object.keys(table));
    if (words.length) lines.push(`complete -c mmn -n "${when}" -a "${words.join(" ")}"`);
  }
  lines.push(`complete -c mmn -n "__fish_seen_subcommand_from completion" -f`);
  return `${lines.join("\n")}\n`;
}

const SHELLS: Record<string, (table: Record<string, string[]>, runValues: string[]) => string> = { bash, zsh, fish };

export default defineCommand({
  name: "mmn completion",
  description: "Print a completion script for bash, zsh or fish.",
  operands: [{ name: "shell", description: "bash, zsh or fish", valueHint: "SHELL" }],
  flags: {},
  examples,
  async run({ operands }, ctx) {
    const shell = operands[0] ?? "";
    const render = Object.hasOwn(SHELLS, shell) ? SHELLS[shell] : undefined;
    if (operands.length > 1) throw new UsageError(`name one shell, got ${operands.length}: ${operands.join(" ")}`);
    if (!render) {
      const near = shell ? closest(shell, SHELL_NAMES) : undefined;
      throw new UsageError(`name a shell: bash, zsh or fish${shell ? ` (not ${JSON.stringify(shell)})` : ""}`, {
        ...(near ? { hint: `did you mean mmn completion ${near}?` } : {}),
      });
    }
    print(render(await flagTable(ctx.commands), await runValueFlags(ctx.commands)));
    return 0;
  },
});
