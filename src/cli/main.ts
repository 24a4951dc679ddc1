import { errnoText } from "../base/disk.ts";
import { AfterSendError, errorMessage, exitCodeOf, MmnError, UsageError } from "../base/errors.ts";
import { closest } from "../base/suggest.ts";
import { VERSION } from "../base/version.ts";
import { commandAt, extractGlobals, GLOBAL_FLAG_NAMES, splitArgv, wrappedCommandAt } from "./argv.ts";
import { commandHelp } from "./command.ts";
import { COMMANDS, commandNamed, mainHelp } from "./commands.ts";
import { createContext } from "./context.ts";
import { parseFlags } from "./flags.ts";
import { guardSecrets } from "./harden.ts";
import { phase } from "./trace.ts";
import { markLines, print, setLevel, ui } from "./ui.ts";

/** `--json` was asked for: a failure is told on stdout too, as one object a script can read. */
let jsonOutput = false;
/** A wrapper ends with its command: a request that lost the race against its deadline must not hold the exit. */
let exitAtOnce = false;

async function main(argv: string[]): Promise<number> {
  phase("main");
  const { ours: beforeDashes, rest } = splitArgv(argv);
  // A command run wraps is not ours to read, even without `--`: its -q and --help are its own.
  const at = commandAt(beforeDashes);
  const named = commandNamed(beforeDashes[at]);
  const wrapper = named?.wraps ? await named.load() : undefined;
  // Its lines mix with the command's stderr: every one of ours is marked, usage errors included.
  if (wrapper) markLines("mmn: ");
  const wrappedAt = wrapper ? wrappedCommandAt(beforeDashes, at + 1, wrapper.flags) : beforeDashes.length;
  const ours = beforeDashes.slice(0, wrappedAt);
  const wrapped = beforeDashes.slice(wrappedAt);
  jsonOutput = ours.includes("--json");
  const { globals, args } = extractGlobals(ours);
  setLevel(globals.quiet, globals.verbose);
  const name = args[0];
  if (globals.version) {
    print(`${VERSION}\n`);
    return 0;
  }
  if (!name) {
    print(`${mainHelp()}\n`);
    return globals.help ? 0 : 2;
  }
  const entry = commandNamed(name);
  // A mistyped global flag before the command (`mmn --verbse send`) is taken for its name.
  if (!entry && name.startsWith("-")) {
    const near = closest(name.replace(/^-+/, ""), GLOBAL_FLAG_NAMES);
    throw new UsageError(`unknown option ${name}`, {
      hint: near ? `did you mean --${near}? (mmn --help)` : "mmn --help lists the options and commands",
    });
  }
  if (!entry) {
    const near = closest(name, Object.keys(COMMANDS));
    throw new UsageError(`unknown command ${JSON.stringify(name)}`, {
      hint: near ? `did you mean mmn ${near}? (mmn --help lists the commands)` : "run `mmn --help` to see the commands",
    });
  }
  // A dry run runs nothing, not even alone under limits too tight for mmn.
  if (entry.wraps && !globals.help && !ours.includes("--dry-run") && "Bun" in globalThis) {
    const code = await withoutMmn(wrapped.length === 0 ? (rest ?? []) : rest ? [...wrapped, "--", ...rest] : wrapped);
    if (code !== undefined) return code;
  }
  if (entry.readsConfig) guardSecrets({ startsProcesses: entry.wraps === true });
  const ctx = createContext(globals, rest, COMMANDS);
  // Bun's I/O threads answer a first read after a millisecond or more: let the configuration
  // and the names a send needs before its one request be read while the command's code
  // loads (the names were read after it: ~0.6 ms more before the request, measured with
  // MMN_TRACE_PHASES). A failure is reported when the command asks for the files.
  if (entry.readsConfig && !globals.help) {
    ctx.configFiles().catch(() => {});
    ctx.names();
  }
  const command = await entry.load();
  phase("loaded");
  if (globals.help) {
    print(await commandHelp(command));
    return 0;
  }
  // Not citty's runCommand: citty is not strict, and evaluating it costs start-up time on
  // every send. After `--` everything is an operand: the wrapped command for run, a message
  // like "-5 °C" for send.
  const raw = !entry.wraps && rest ? [...args.slice(1), "--", ...rest] : [...args.slice(1), ...wrapped];
  // The npm package's mmn under Node: the wrapper is built on Bun.spawn and its pipes.
  if (entry.wraps && !("Bun" in globalThis)) {
    throw new UsageError(`mmn ${name} needs the mmn binary or Bun: under Node it cannot start the command`, {
      // An npm user has neither a clone to `bun run build` in nor, often, Bun: npx fetches it.
      hint: `with Bun, run bunx --bun mmn ${name} -- CMD; without it, npx -y bun@1.4.5 x --bun mmn ${name} -- CMD; on a cluster, the single-file mmn binary (README: Install the binary)`,
    });
  }
  exitAtOnce = entry.wraps === true;
  const parsed = parseFlags(raw, command.flags, {
    stopAtOperand: entry.wraps === true,
    alsoKnown: GLOBAL_FLAG_NAMES,
    ...(command.elsewhere ? { elsewhere: command.elsewhere } : {}),
  });
  return command.run(parsed, ctx);
}

/**
 * The command runs whatever mmn can do: under limits too tight for mmn, as if mmn were not there
 * (its exit code). Undefined when mmn can go on, perhaps after starting again to fit a limited
 * address space.
 */
async function withoutMmn(command: string[]): Promise<number | undefined> {
  if (command.length === 0) return undefined;
  const { oneArena, runPlain, softLimits, tooTight } = await import("../run/index.ts");
  const limits = softLimits();
  oneArena(limits);
  const tight = tooTight(limits);
  if (!tight) return undefined;
  ui.raw(`${tight}: running the command without notifications`);
  return runPlain(command, ui.raw);
}

function jsonFailure(error: unknown): Record<string, unknown> {
  const failure: Record<string, unknown> = { ok: false, error: errorMessage(error), exit: exitCodeOf(error) };
  if (error instanceof MmnError && error.hint) failure.hint = error.hint;
  // What went out before the failure, for the script to find it.
  if (error instanceof AfterSendError)
    Object.assign(failure, {
      post_id: error.post.id,
      channel_id: error.post.channel_id,
      root_id: error.post.root_id || null,
    });
  return failure;
}

main(process.argv.slice(2)).then(
  (code) => {
    // `mmn send --json > out.json` on a full disk must not look like it worked.
    const lost = print.lost();
    if (lost) ui.error(new Error(`could not write the output: ${errnoText(lost)}`));
    process.exitCode = lost && code === 0 ? 1 : code;
    if (exitAtOnce) process.exit();
  },
  (error: unknown) => {
    ui.error(error);
    process.exitCode = exitCodeOf(error);
    if (jsonOutput) print(`${JSON.stringify(jsonFailure(error))}\n`);
  },
);
