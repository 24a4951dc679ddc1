import { hostname } from "node:os";
import { UsageError } from "../errors.ts";
import { validateId, writeHookFile } from "../hooks.ts";
import type { LoadedConfig, MmnConfig } from "../config.ts";
import type { Notify } from "../notify.ts";
import { INHERITED_FDS } from "../run/fds.ts";
import { LineEnd } from "../run/lineend.ts";
import { logProblem } from "../run/logfile.ts";
import { isOurOutput, sameOpenFile } from "../run/samefile.ts";
import { catchSignals } from "../run/signals.ts";
import { chooseTarget, command, contextOf, targetArgs } from "./_shared.ts";
import { parseFlags, str } from "./argv.ts";
import { connect } from "./connect.ts";
import { startLinesAfter, ui } from "./ui.ts";

const args = {
  ...targetArgs,
  id: { type: "string", description: "remember the status message under this id (default: generated, printed)", valueHint: "ID" },
  title: { type: "string", description: "name the job in messages instead of showing the command", valueHint: "TEXT" },
  interval: { type: "string", description: "seconds between status edits when there is new output (default 30, at least 1)", valueHint: "SECONDS" },
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
  mmn run --id "sim-$SLURM_JOB_ID" -- srun ./simulate   # one message for all the step's tasks`;

const MAX_LOG_BYTES = 20 * 1024 * 1024;

/**
 * The run's timings, shortened by the test suites through the environment
 * (MMN_TEST_REQUEST_TIMEOUT_MS and the like) so that a fault test takes a fraction of a
 * second; unset, as in every real run, they are the defaults and the flags. Not a user
 * setting: Slurm's KillWait is what the budgets after a signal are made for, and an interval
 * under a second is what --interval refuses.
 */
function testMs(name: string, fallback: number): number {
  const value = Number(process.env[`MMN_TEST_${name}_MS`]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** mmn's own lines among the command's stderr: marked so nobody takes them for the command's. */
const notice = (message: string) => ui.raw(message);

type Settings = { on: "always" | "failure"; interval: number; tail: number };
const DEFAULTS: Settings = { on: "always", interval: 30, tail: 10 };
/** Beyond a day, timers overflow (Node and Bun fire them at once, then every millisecond). */
const MAXIMA: Partial<Record<keyof Settings, { value: number; why: string }>> = {
  interval: { value: 86_400, why: "one day" },
  // More lines than one post shows would only cost memory and time (10 million: 1.3 GB).
  tail: { value: 1000, why: "more do not fit in one post" },
};

/** Why a value cannot be used for the setting, or its parsed value. */
function parseSetting<K extends keyof Settings>(key: K, value: string): { value: Settings[K] } | { error: string } {
  if (key === "on") {
    return value === "always" || value === "failure" ? { value: value as Settings[K] } : { error: "takes always or failure" };
  }
  // Edits more often than every second add nothing a person can read, and an array's tasks
  // together hit the server's rate limit.
  const min = key === "interval" ? 1 : 0;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min) return { error: `must be a number ≥ ${min}` };
  const max = MAXIMA[key];
  if (max && n > max.value) return { error: `must be at most ${max.value} (${max.why})` };
  return { value: (key === "tail" ? Math.floor(n) : n) as Settings[K] };
}

/** A bad flag is the user's mistake, seen at once: refuse before anything runs. */
function flagSettings(values: Partial<Record<keyof Settings, string>>): Partial<Settings> {
  const out: Partial<Settings> = {};
  for (const key of Object.keys(DEFAULTS) as Array<keyof Settings>) {
    const value = values[key];
    if (value === undefined) continue;
    const parsed = parseSetting(key, value);
    if ("error" in parsed) throw new UsageError(`--${key} ${parsed.error}, not ${JSON.stringify(value)}`);
    Object.assign(out, { [key]: parsed.value });
  }
  return out;
}

/**
 * A bad default in a configuration file must not cost the job its run: the default is
 * used instead, with one warning naming the key and the file. Flags win over both.
 */
function configSettings(loaded: LoadedConfig | undefined, flags: Partial<Settings>): Settings {
  const out = { ...DEFAULTS, ...flags };
  for (const key of Object.keys(DEFAULTS) as Array<keyof Settings>) {
    const value = loaded?.config[key];
    if (value === undefined || key in flags) continue;
    const parsed = parseSetting(key, value);
    if ("value" in parsed) Object.assign(out, { [key]: parsed.value });
    else notice(`${key}=${value} in ${loaded?.sources[key] ?? "the configuration"} ${parsed.error}: using ${DEFAULTS[key]}`);
  }
  return out;
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
    // Every line of ours (marked "mmn: " since main) starts on a line of its own.
    const stderrLine = new LineEnd();
    startLinesAfter(() => stderrLine.breakNeeded());
    // Our options end where the command starts, so that its own flags stay its own.
    const { values, positionals } = parseFlags(rawArgs, args, [], { stopAtPositional: true });
    // Without our `--`, a `--` main split off belongs to the command's arguments.
    const commandLine = positionals.length === 0 ? (ctx.rest ?? []) : ctx.rest ? [...positionals, "--", ...ctx.rest] : positionals;
    if (commandLine.length === 0) throw new UsageError("no command to run", { hint: "put it after --: mmn run -- python train.py" });
    const target = chooseTarget(str(values.user), str(values.channel));
    const id = validateId(str(values.id) ?? generatedId());
    const flags = flagSettings({ on: str(values.on), interval: str(values.interval), tail: str(values.tail) });
    const logPath = str(values.log);
    if (logPath === "") throw new UsageError("--log needs a file name");
    // `--log job.out … > job.out 2>&1` (#SBATCH -o job.out): the output is written there
    // already; truncated and written again it would hold everything twice, after NUL bytes.
    const logIsOutput = logPath !== undefined && isOurOutput(logPath);
    // Only when both streams go there does that file hold the whole output: say so, and go on.
    if (logIsOutput && !sameOpenFile(1, 2)) notice(`--log ${logPath} is where only one of stdout and stderr goes: the log attached holds that one`);
    const logError = logPath === undefined || logIsOutput ? undefined : logProblem(logPath);
    if (logError) throw new UsageError(`cannot write the log ${logPath}: ${logError}`, { hint: "give --log a file in a directory you can write to" });

    // From here on a signal is the command's, even one that comes before it exists.
    const signals = catchSignals();
    ui.debug("signals are caught from now on and passed on to the command");

    let notify: Notify | undefined;
    let loaded: LoadedConfig | undefined;
    try {
      const connected = await connect(ctx, {}, { timeoutMs: testMs("REQUEST_TIMEOUT", 5000), retries: 0 });
      notify = connected.notify;
      loaded = connected.config;
    } catch (error) {
      notice(`${error instanceof Error ? error.message : String(error)}: running the command without notifications`);
    }
    const defaults: MmnConfig = loaded?.config ?? {};
    const { on, interval, tail } = configSettings(loaded, flags);
    const user = target.user ?? (target.channel ? undefined : defaults.user);
    const channel = target.channel ?? (target.user ? undefined : defaults.channel);
    if (notify && !user && !channel) {
      notice("no recipient (give -u or -c, or set a default with `mmn setup`): running the command without notifications");
      notify = undefined;
    }
    const mention = values.mention === true ? (user ?? defaults.user) : undefined;
    if (values.mention === true && !mention) notice("--mention needs a user to mention (-u, or user= in the configuration)");
    if (notify) ui.info(`reporting ${on === "always" ? "" : "a failure "}as ${JSON.stringify(id)} (mmn update --id ${id} …)`);

    const { wrap } = await import("../run/wrapper.ts");
    const { code, hook } = await wrap({
      command: commandLine,
      notify,
      target: { ...(user ? { user } : {}), ...(channel && !user ? { channel } : {}) },
      id,
      ...(str(values.title) ? { title: str(values.title)! } : {}),
      intervalMs: testMs("INTERVAL", interval * 1000),
      tailLines: tail,
      attachLog: values.logs !== false,
      ...(logPath ? { logPath, logIsOutput } : {}),
      on,
      ...(mention ? { mention } : {}),
      hideCommand: values["hide-command"] === true,
      signals,
      passFds: INHERITED_FDS,
      stderrLine,
      maxLogBytes: MAX_LOG_BYTES,
      finishBudgetMs: testMs("FINISH", 4000),
      signalBudgetMs: testMs("SIGNAL_FINISH", 2500),
      warn: notice,
      // Marked like every line of ours among the command's stderr.
      debug: (message) => ui.debug(message),
    });
    const saveHook = str(values["save-hook"]);
    // This run's post, not whatever another run with the same id left in the store.
    if (saveHook && hook) await writeHookFile(saveHook, hook);
    // A request that lost the race against the deadline must not hold the exit.
    process.exit(code);
  },
});
