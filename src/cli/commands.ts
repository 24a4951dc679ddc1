import { globalOptionsHelp } from "./argv.ts";
import type { Command } from "./command.ts";

/** Loaded on demand: a command pays only for the code it runs. */
export interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
  readsConfig?: true;
  /** Runs another command, whose words (after `--`, or from its first word on) are its own. */
  wraps?: true;
}

export type CommandTable = Readonly<Record<string, CommandEntry>>;

export const COMMANDS: CommandTable = {
  setup: {
    summary: "write the configuration: server, token, team, default target",
    load: async () => (await import("./setup.ts")).default,
    readsConfig: true,
  },
  send: {
    summary: "send a message (and files) to a user or channel",
    load: async () => (await import("./send.ts")).default,
    readsConfig: true,
  },
  update: {
    summary: "edit a message sent before with --id",
    load: async () => (await import("./update.ts")).default,
    readsConfig: true,
  },
  run: {
    summary: "run a command and report its start, progress and end",
    load: async () => (await import("./run.ts")).default,
    readsConfig: true,
    wraps: true,
  },
  "slurm-mail": {
    summary: "Slurm's MailProg for a whole site: hands each job's event to mmn relay",
    load: async () => (await import("./slurm-mail.ts")).default,
    readsConfig: true,
  },
  test: {
    summary: "check the configuration against the server",
    load: async () => (await import("./test.ts")).default,
    readsConfig: true,
  },
  relay: {
    summary: "on a login node: deliver the outbox, give runs that died unheard the scheduler's word",
    load: async () => (await import("./relay.ts")).default,
    readsConfig: true,
  },
  watch: {
    summary: "on a login node: follow jobs mmn does not wrap, one message each",
    load: async () => (await import("./watch.ts")).default,
    readsConfig: true,
  },
  hook: {
    summary: "list, show, export, import or remove message hooks",
    load: async () => (await import("./hook.ts")).default,
  },
  help: {
    summary: "show the help of mmn or of a command; --man: the manual page",
    load: async () => (await import("./help.ts")).default,
  },
  completion: {
    summary: "print a shell completion script (bash, zsh, fish)",
    load: async () => (await import("./completion.ts")).default,
  },
};

/** The command of that name; not one of Object's own properties (`mmn constructor`). */
export const commandNamed = (name: string | undefined): CommandEntry | undefined =>
  name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;

/** Also the manual page's EXIT STATUS. */
export const EXIT_CODES = `Exit codes: 0 ok, 1 server or network failure, 2 bad input (nothing sent),
3 missing or invalid configuration; \`mmn run\` exits with the command's code, \`mmn watch\` 4
when a job it followed did not succeed.`;

/** `mmn --help`, made when asked for. */
export const mainHelp = () => `mmn — Mattermost notifications for long jobs

Usage: mmn <command> [options] [-- command for run]

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(11)} ${summary}`)
  .join("\n")}

${globalOptionsHelp()}

Examples:
  mmn setup                                   # once: server, token, default recipient
  mmn send "training done" -f loss.png        # DM the default user with a file
  mmn run -- python train.py --epochs 50      # live status, log attached at the end
  sbatch --wrap "exec mmn run -c hpc-jobs -- ./simulate"

${EXIT_CODES}`;
