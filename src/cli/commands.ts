import type { ArgsDef, CommandDef } from "citty";

/** A command module: its citty definition and examples for `--help`. */
export interface CommandModule {
  default: CommandDef;
  examples: string;
}

/** A command's flags. citty allows them lazy (a promise or function); ours are plain objects. */
export const argsOf = (module: CommandModule): ArgsDef => (module.default.args ?? {}) as ArgsDef;

/** Loaded on demand: a command pays only for the code it runs. */
export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
  readsConfig?: true;
  /** Runs another command, whose words (after `--`, or from its first word on) are its own. */
  wraps?: true;
}

export const COMMANDS: Record<string, CommandEntry> = {
  setup: { summary: "write the configuration: server, token, team, default target", load: () => import("./setup.ts"), readsConfig: true },
  send: { summary: "send a message (and files) to a user or channel", load: () => import("./send.ts"), readsConfig: true },
  update: { summary: "edit a message sent before with --id", load: () => import("./update.ts"), readsConfig: true },
  run: { summary: "run a command and report its start, progress and end", load: () => import("./run.ts"), readsConfig: true, wraps: true },
  test: { summary: "check the configuration against the server", load: () => import("./test.ts"), readsConfig: true },
  hook: { summary: "list, show, export, import or remove message hooks", load: () => import("./hook.ts") },
  completion: { summary: "print a shell completion script (bash, zsh, fish)", load: () => import("./completion.ts") },
};

/** Taken by every command, before or after its name. */
export const GLOBAL_OPTIONS = `Global options:
  --config FILE   use this configuration file instead of ~/.mmnrc and .mattermost_notify
  -q, --quiet     print nothing but errors
  --verbose       show each request, its status and time
  -V, --version   print the version
  -h, --help      show help; \`mmn <command> --help\` for a command`;

/** The command of that name; not one of Object's own properties (`mmn constructor`). */
export const commandNamed = (name: string | undefined): CommandEntry | undefined =>
  name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;

export const MAIN_HELP = `mmn — Mattermost notifications for long jobs

Usage: mmn <command> [options] [-- command for run]

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(11)} ${summary}`)
  .join("\n")}

${GLOBAL_OPTIONS}

Examples:
  mmn setup                                   # once: server, token, default recipient
  mmn send "training done" -f loss.png        # DM the default user with a file
  mmn run -- python train.py --epochs 50      # live status, log attached at the end
  sbatch --wrap "mmn run -c hpc-jobs -- ./simulate"

Exit codes: 0 ok, 1 server or network failure, 2 bad input (nothing sent),
3 missing or invalid configuration; \`mmn run\` exits with the command's code.`;
