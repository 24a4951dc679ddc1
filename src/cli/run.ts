import { hostname } from "node:os";
import { UsageError } from "../errors.ts";
import { validateId } from "../hooks.ts";
import type { MmnConfig } from "../config.ts";
import type { Notify } from "../notify.ts";
import { chooseTarget, command, contextOf, targetArgs } from "./_shared.ts";
import { parseFlags, str } from "./argv.ts";
import { connect } from "./connect.ts";
import { isVerbose, ui } from "./ui.ts";

const args = {
  ...targetArgs,
  id: { type: "string", description: "remember the status message under this id (default: generated, printed)", valueHint: "ID" },
  title: { type: "string", description: "name the job in messages instead of showing the command", valueHint: "TEXT" },
  interval: { type: "string", description: "seconds between status edits when there is new output (default 30)", valueHint: "SECONDS" },
  tail: { type: "string", description: "lines of output shown in the status (default 10)", valueHint: "LINES" },
  logs: { type: "boolean", default: true, description: "attach the log to the final reply (--no-logs: don't)" },
  log: { type: "string", description: "keep the combined log in this file (default: a temporary file)", valueHint: "FILE" },
  "save-hook": { type: "string", alias: "s", description: "also write the status message's hook to this file", valueHint: "FILE" },
  on: { type: "string", description: "always (default): report start, progress and end; failure: only a failed end", valueHint: "always|failure" },
  mention: { type: "boolean", description: "@-mention the user in the final reply" },
  "hide-command": { type: "boolean", description: "do not show the command line (it may hold secrets)" },
} as const;

export const examples = `  mmn run -- python train.py --epochs 50
  mmn run -c hpc-jobs --title "ResNet sweep" --interval 60 -- ./sweep.sh
  mmn run --on failure --mention -- make -j8
  #SBATCH --signal=B:USR1@120   # in a batch script: the job learns of its time limit
  srun mmn run --id "$SLURM_JOB_ID" -- ./simulate input.nml`;

const MAX_LOG_BYTES = 20 * 1024 * 1024;

/** mmn's own lines among the command's stderr: marked so nobody takes them for the command's. */
const notice = (message: string) => ui.raw(`mmn: ${message}`);

function number(value: string | undefined, fallback: number, what: string, min: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${what} must be a number ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function onOf(value: string | undefined): "always" | "failure" {
  if (value === undefined || value === "always" || value === "failure") return value ?? "always";
  throw new UsageError(`--on takes always or failure, not ${JSON.stringify(value)}`);
}

function generatedId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const host = hostname().split(".")[0]!.replace(/[^\w-]/g, "");
  return `run-${host}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export default command({
  meta: { name: "mmn run", description: "Run a command and report it: a status message edited while it runs, then the outcome with the log as a reply. Its output, input and exit code are untouched." },
  args,
  async run({ rawArgs, data }) {
    const ctx = contextOf(data);
    const { values, positionals } = parseFlags(rawArgs, args);
    const commandLine = ctx.rest ?? positionals;
    if (commandLine.length === 0) throw new UsageError("no command to run", { hint: "put it after --: mmn run -- python train.py" });
    if (ctx.rest && positionals.length > 0) {
      throw new UsageError(`unexpected ${JSON.stringify(positionals[0])} before --`, { hint: "everything of the command goes after --" });
    }
    const target = chooseTarget(str(values.user), str(values.channel));
    const id = validateId(str(values.id) ?? generatedId());
    // Flags are checked before anything else is said; configured defaults once they are read.
    const settings = (config: MmnConfig) => ({
      on: onOf(str(values.on) ?? config.on),
      intervalMs: number(str(values.interval) ?? config.interval, 30, "--interval", 0.1) * 1000,
      tailLines: Math.floor(number(str(values.tail) ?? config.tail, 10, "--tail", 0)),
    });
    settings({});

    let notify: Notify | undefined;
    let defaults: MmnConfig = {};
    try {
      const connected = await connect(ctx, {}, { timeoutMs: 5000, retries: 0 });
      notify = connected.notify;
      defaults = connected.config.config;
    } catch (error) {
      notice(`${error instanceof Error ? error.message : String(error)}: running the command without notifications`);
    }
    const { on, intervalMs, tailLines } = settings(defaults);
    const user = target.user ?? (target.channel ? undefined : defaults.user);
    const channel = target.channel ?? (target.user ? undefined : defaults.channel);
    if (notify && !user && !channel) {
      notice("no recipient (give -u or -c, or set a default with `mmn setup`): running the command without notifications");
      notify = undefined;
    }
    const mention = values.mention === true ? (user ?? defaults.user) : undefined;
    if (values.mention === true && !mention) notice("--mention needs a user to mention (-u, or user= in the configuration)");
    if (notify && on === "always") ui.info(`mmn: reporting as ${JSON.stringify(id)} (mmn update --id ${id} …)`);

    const { wrap } = await import("../run/wrapper.ts");
    const code = await wrap({
      command: commandLine,
      notify,
      target: { ...(user ? { user } : {}), ...(channel && !user ? { channel } : {}) },
      id,
      ...(str(values.title) ? { title: str(values.title)! } : {}),
      intervalMs,
      tailLines,
      attachLog: values.logs !== false,
      ...(str(values.log) ? { logPath: str(values.log)! } : {}),
      on,
      ...(mention ? { mention } : {}),
      hideCommand: values["hide-command"] === true,
      maxLogBytes: MAX_LOG_BYTES,
      finishBudgetMs: 4000,
      signalBudgetMs: 2500,
      warn: notice,
      debug: (message) => isVerbose() && ui.debug(message),
    });
    const saveHook = str(values["save-hook"]);
    if (notify && saveHook && (await notify.hooks.get(id))) await notify.writeMessageHookToFile(id, saveHook);
    // A request that lost the race against the deadline must not hold the exit.
    process.exit(code);
  },
});
