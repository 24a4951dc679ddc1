import type { ArgsDef } from "citty";
import { UsageError } from "../errors.ts";
import { command, contextOf } from "./_shared.ts";
import { parseFlags } from "./argv.ts";
import { COMMANDS } from "./commands.ts";
import { print } from "./ui.ts";

const args = {
  shell: { type: "positional", required: false, description: "bash, zsh or fish", valueHint: "SHELL" },
} as const;

export const examples = `  mmn completion bash > ~/.local/share/bash-completion/completions/mmn
  mmn completion zsh > ~/.zfunc/_mmn        # with fpath+=(~/.zfunc) before compinit
  mmn completion fish > ~/.config/fish/completions/mmn.fish`;

const GLOBALS = ["--config", "--quiet", "--verbose", "--help", "--version"];
const HOOK_ACTIONS = ["list", "show", "export", "import", "rm"];

/** Flags of every command, read from the same definitions that parse them. */
async function flagTable(): Promise<Record<string, string[]>> {
  const table: Record<string, string[]> = {};
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const def = ((await entry.load()).default.args ?? {}) as ArgsDef;
    table[name] = Object.entries(def)
      .filter(([, arg]) => arg.type !== "positional")
      .flatMap(([flag, arg]) => (arg.type === "boolean" && "default" in arg && arg.default === true ? [`--no-${flag}`] : [`--${flag}`]));
  }
  return table;
}

function bash(table: Record<string, string[]>): string {
  const cases = Object.entries(table)
    .map(([name, flags]) => `    ${name}) opts="${[...flags, ...GLOBALS].join(" ")}${name === "hook" ? ` ${HOOK_ACTIONS.join(" ")}` : ""}${name === "completion" ? " bash zsh fish" : ""}" ;;`)
    .join("\n");
  return `# mmn bash completion
_mmn() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    [[ \${COMP_WORDS[i]} == "--" ]] && { COMPREPLY=($(compgen -c -- "$cur")); return; }
    [[ -z $cmd && \${COMP_WORDS[i]} != -* ]] && cmd=\${COMP_WORDS[i]}
  done
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

function zsh(table: Record<string, string[]>): string {
  const cases = Object.entries(table)
    .map(([name, flags]) => `    ${name}) compadd -- ${[...flags, ...GLOBALS].join(" ")}${name === "hook" ? ` ${HOOK_ACTIONS.join(" ")}` : ""}; _files ;;`)
    .join("\n");
  return `#compdef mmn
_mmn() {
  if (( CURRENT == 2 )); then
    compadd -- ${Object.keys(table).join(" ")} ${GLOBALS.join(" ")}
    return
  fi
  if (( \${words[(I)--]} && \${words[(I)--]} < CURRENT )); then _normal; return; fi
  case \${words[2]} in
${cases}
  esac
}
compdef _mmn mmn
`;
}

function fish(table: Record<string, string[]>): string {
  const lines = [
    "# mmn fish completion",
    "complete -c mmn -f",
    `complete -c mmn -n __fish_use_subcommand -a "${Object.keys(table).join(" ")}"`,
    ...GLOBALS.map((g) => `complete -c mmn -l ${g.slice(2)}`),
  ];
  for (const [name, flags] of Object.entries(table)) {
    for (const flag of flags) lines.push(`complete -c mmn -n "__fish_seen_subcommand_from ${name}" -l ${flag.slice(2)}`);
  }
  lines.push(`complete -c mmn -n "__fish_seen_subcommand_from hook" -a "${HOOK_ACTIONS.join(" ")}"`);
  lines.push(`complete -c mmn -n "__fish_seen_subcommand_from send update" -F`);
  return `${lines.join("\n")}\n`;
}

const SHELLS: Record<string, (table: Record<string, string[]>) => string> = { bash, zsh, fish };

export default command({
  meta: { name: "mmn completion", description: "Print a completion script for bash, zsh or fish." },
  args,
  async run({ rawArgs, data }) {
    contextOf(data);
    const { positionals } = parseFlags(rawArgs, args);
    const shell = positionals[0] ?? "";
    const render = Object.hasOwn(SHELLS, shell) ? SHELLS[shell] : undefined;
    if (positionals.length > 1) throw new UsageError(`name one shell, got ${positionals.length}: ${positionals.join(" ")}`);
    if (!render) throw new UsageError(`name a shell: bash, zsh or fish${shell ? ` (not ${JSON.stringify(shell)})` : ""}`);
    print(render(await flagTable()));
    return 0;
  },
});
