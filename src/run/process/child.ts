import { closeSync, fstatSync } from "node:fs";
import { constants } from "node:os";
import type { TailBuffer } from "../tail/tail.ts";
import { missingInterpreter, resolveCommand } from "./command.ts";
import { extraStdio } from "./fds.ts";
import type { LineEnd } from "./lineend.ts";
import { LogFile } from "./logfile.ts";
import { openPipes, type Pipe } from "./pipes.ts";
import { INHERITED_IGNORED } from "./procfs.ts";
import { ExitClock, pump, type Source } from "./pump.ts";
import { sameOpenFile } from "./samefile.ts";
import { OutputSink } from "./sink.ts";

export interface ChildOptions {
  /** argv; command[0] is looked up in PATH (the child's) like a shell does. */
  command: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Both streams are written here as they come, interleaved in arrival order; what it held is dropped. */
  logPath?: string;
  /** Or to this log, which the caller keeps open after the end and closes. */
  log?: LogFile;
  /** Fed with both streams. */
  tail?: TailBuffer;
  /** Called for every chunk of output, with its size: keep it cheap. */
  onOutput?: (bytes: number) => void;
  /**
   * After the child exits, read on for at most this long while a background process holds its pipes open
   * (default 500).
   */
  graceMs?: number;
  /** Open files above stderr the child gets at the same numbers, as exec would pass them (see fds.ts). */
  passFds?: readonly number[];
  /** Told of the output that goes where our stderr goes. */
  stderrLine?: LineEnd;
}

export interface ChildResult {
  /** As a shell reports it: the exit code, 128 + N when killed by signal N, 127 not found, 126 not executable. */
  code: number;
  exitCode: number | null;
  /** The signal that killed the child, e.g. "SIGTERM". */
  signal: string | null;
  /** Why the command could not be started, e.g. "command not found: foo". */
  startError?: string;
  /** stdout and stderr together. */
  outputBytes: number;
  /** Why the log stopped (e.g. EFBIG under `ulimit -f`, ENOSPC): the output went on. */
  logError?: string;
  /** The reader of our stdout went away (EPIPE), so the child's stdout was closed. */
  stdoutClosed?: boolean;
  /** The same for stderr. */
  stderrClosed?: boolean;
  /**
   * Why our stdout could not be written when it was not EPIPE (ENOSPC, EFBIG): the child's stdout was closed and
   * its output lost.
   */
  stdoutError?: string;
  /** The same for stderr. */
  stderrError?: string;
  /** Its rusage, with the children it waited for: CPU seconds (user + system) and the largest resident size. */
  usage?: { cpuSeconds: number; maxRssBytes: number };
}

export interface ChildHandle {
  pid: number | undefined;
  done: Promise<ChildResult>;
  /** Sends a signal to the child while it runs; does nothing after. */
  signal(sig: NodeJS.Signals): void;
}

// Signals a shell lets `trap` name, as the shim below needs.
const TRAPPABLE = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGXCPU"] as const;

/**
 * Runs a command with stdin inherited and its stdout and stderr copied byte for
 * byte to ours, to the log and to the tail.
 */
export function startChild(opts: ChildOptions): ChildHandle {
  const cwd = opts.cwd ?? process.cwd();
  const env = childEnv(opts.env ?? process.env);
  const name = opts.command[0] ?? "";
  const found = resolveCommand(name, env.PATH, cwd);
  if ("error" in found) return notStarted(found.code, found.error);

  // `> job.out 2>&1` (Slurm's default): one pipe for both streams, or the lines of
  // the two would reach the file, the log and the tail in the order we happen to read
  // them, not the order the child wrote them.
  const merged = sameOpenFile(1, 2);
  const pipes = openPipes(merged ? 1 : 2);
  // Without named pipes Bun's "pipe" makes one socketpair per stream: a shell shim
  // then sends stderr into stdout's.
  const mergeInShim = merged && !pipes;
  const stdio: ["inherit", number | "pipe", number | "pipe" | "inherit", ...Array<number | "ignore">] = [
    "inherit",
    pipes?.[0]?.write ?? "pipe",
    merged ? (pipes?.[0]?.write ?? "inherit") : (pipes?.[1]?.write ?? "pipe"),
    ...extraStdio((opts.passFds ?? []).filter(isOpen)),
  ];
  const spawn = (argv: string[], argv0?: string) =>
    Bun.spawn(argv, { cwd, env, ...(argv0 === undefined ? {} : { argv0 }), stdio });
  let proc: ReturnType<typeof spawn>;
  try {
    try {
      proc = spawn(...launch(found.path, opts.command.slice(1), name, mergeInShim));
    } catch (err) {
      // No "#!" line: run it with sh, as execvp() and shells do.
      if ((err as NodeJS.ErrnoException).code !== "ENOEXEC") throw err;
      proc = spawn(["/bin/sh", found.path, ...opts.command.slice(1)]);
    }
  } catch (err) {
    closePipes(pipes, "read");
    const code = (err as NodeJS.ErrnoException).code;
    // The file is there (resolveCommand found it): what is missing is the program its #! names.
    const interpreter = code === "ENOENT" ? missingInterpreter(found.path) : undefined;
    if (interpreter) return notStarted(126, `bad interpreter: ${interpreter}: no such file (the #! line of ${name})`);
    return notStarted(code === "ENOENT" ? 127 : 126, `cannot run ${name}: ${(err as Error).message}`);
  } finally {
    closePipes(pipes, "write");
  }

  const exit = new ExitClock();
  const log = opts.log ?? (opts.logPath === undefined ? undefined : LogFile.create(opts.logPath));
  // Merged, everything goes to our stdout, which is the same file as our stderr.
  const stdout = OutputSink.stdout(merged ? opts.stderrLine : undefined);
  const stderr = merged ? undefined : OutputSink.stderr(opts.stderrLine);
  const stream = (sink: OutputSink, source: Source) =>
    pump({ source, sink, log, tail: opts.tail, onOutput: opts.onOutput, exit, graceMs: opts.graceMs ?? 500 });
  const pumps = Promise.all([
    stream(stdout, source(pipes?.[0], proc.stdout)),
    stderr ? stream(stderr, source(pipes?.[1], proc.stderr)) : 0,
  ]);

  const done = (async (): Promise<ChildResult> => {
    await proc.exited;
    exit.mark();
    const [outBytes, errBytes] = await pumps;
    log?.end();
    if (!opts.log) log?.close();
    const signal = signalName(proc.signalCode);
    const usage = proc.resourceUsage();
    return {
      code: proc.exitCode ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0),
      exitCode: proc.exitCode,
      signal,
      outputBytes: outBytes + errBytes,
      ...(log?.error ? { logError: log.error } : {}),
      ...(stdout.brokenPipe ? { stdoutClosed: true } : {}),
      ...(stderr?.brokenPipe ? { stderrClosed: true } : {}),
      ...(stdout.error && !stdout.brokenPipe ? { stdoutError: stdout.error } : {}),
      ...(stderr?.error && !stderr.brokenPipe ? { stderrError: stderr.error } : {}),
      ...(usage ? { usage: { cpuSeconds: Number(usage.cpuTime.total) / 1e6, maxRssBytes: usage.maxRSS } } : {}),
    };
  })();

  return {
    pid: proc.pid,
    done,
    signal(sig) {
      if (exit.at !== undefined) return;
      try {
        proc.kill(sig);
      } catch {
        // Gone in the meantime: nothing to signal.
      }
    },
  };
}

/**
 * The argv to spawn. Bun resets every signal to its default in the child, but a
 * signal we inherited as ignored (SIGHUP under nohup, SIGINT in a `cmd &` job)
 * must stay ignored for the child as exec would keep it: a tiny sh shim does that,
 * and also sends stderr to stdout when `mergeStderr`.
 */
function launch(path: string, args: string[], name: string, mergeStderr: boolean): [string[], string?] {
  const keep = TRAPPABLE.filter((sig) => INHERITED_IGNORED.has(sig));
  if (keep.length === 0 && !mergeStderr) return [[path, ...args], name];
  const traps = keep.length ? `trap '' ${keep.map((sig) => sig.slice(3)).join(" ")}; ` : "";
  return [["/bin/sh", "-c", `${traps}exec "$@"${mergeStderr ? " 2>&1" : ""}`, "mmn", path, ...args]];
}

function source(pipe: Pipe | undefined, fallback: ReadableStream<Uint8Array> | number | undefined): Source {
  if (!pipe) return { reader: (fallback as ReadableStream<Uint8Array>).getReader(), release() {} };
  // Bun.file(fd) reads the fd but never closes it: that is ours to do, once.
  return { reader: Bun.file(pipe.read).stream().getReader(), release: () => closeSync(pipe.read) };
}

/** One closed since we started would make the spawn fail (EBADF): the command goes without it. */
function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

function closePipes(pipes: Pipe[] | undefined, end: "read" | "write"): void {
  for (const pipe of pipes ?? []) closeSync(pipe[end]);
}

function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  // Python buffers a piped stdout in 8 KiB blocks: the live tail would lag behind.
  out.PYTHONUNBUFFERED ??= "1";
  return out;
}

function signalName(sig: NodeJS.Signals | number | null): NodeJS.Signals | null {
  if (typeof sig !== "number") return sig;
  const entry = Object.entries(constants.signals).find(([, num]) => num === sig);
  return (entry?.[0] as NodeJS.Signals | undefined) ?? null;
}

function notStarted(code: number, startError: string): ChildHandle {
  return {
    pid: undefined,
    done: Promise.resolve({ code, exitCode: null, signal: null, startError, outputBytes: 0 }),
    signal() {},
  };
}
