/**
 * What mmn tells a person, on stderr, and prints on stdout. Not consola: evaluating it
 * costs ~55 ms at start (measured in a compiled binary), more than a whole `mmn send`
 * should take. Not `process.stdout/stderr` either (see tty.ts).
 */
import { errorMessage, MmnError, NetworkError, ServerError } from "../base/errors.ts";
import { isTerminal } from "./tty.ts";

let colorOn: boolean | undefined;
const useColor = () => (colorOn ??= !process.env.NO_COLOR && (Boolean(process.env.FORCE_COLOR) || isTerminal(2)));
const paint = (code: string, text: string) => (useColor() ? `\x1b[${code}m${text}\x1b[0m` : text);

export const color = {
  red: (t: string) => paint("31", t),
  green: (t: string) => paint("32", t),
  yellow: (t: string) => paint("33", t),
  cyan: (t: string) => paint("36", t),
  dim: (t: string) => paint("2", t),
  bold: (t: string) => paint("1", t),
};

let level: "quiet" | "normal" | "verbose" = "normal";

export function setLevel(quiet: boolean, verbose: boolean): void {
  level = verbose ? "verbose" : quiet ? "quiet" : "normal";
}

interface StreamWriter {
  (text: string): void;
  /** Why output was lost (`ENOSPC`…), when it was; a reader that went away (EPIPE) is not a loss. */
  lost(): string | undefined;
}

/** What is used of Bun's FileSink, which the writer for Node has too. */
interface Sink {
  write(text: string): unknown;
  flush(): number | Promise<number>;
}

/**
 * Under Node (the npm package's `mmn`), which has no Bun.stdout.writer(): each line written
 * whole before the next statement, its failure thrown where it happens.
 */
function descriptorSink(fd: 1 | 2): Sink {
  const { writeSync } = require("node:fs") as typeof import("node:fs");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  return {
    write(text) {
      let bytes = Buffer.from(text);
      while (bytes.length > 0) {
        try {
          bytes = bytes.subarray(writeSync(fd, bytes));
        } catch (error) {
          // A pipe another program made non-blocking: full for now, not broken.
          if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
          Atomics.wait(pause, 0, 0, 1);
        }
      }
    },
    flush: () => 0,
  };
}

const bun = (globalThis as { Bun?: typeof Bun }).Bun;

/**
 * A writer for one standard stream that keeps lines in order: each is written before the
 * next statement runs (a full pipe queues it in the sink, which Bun flushes at exit).
 * `Bun.write` to a regular file, such as a batch job's `2> job.err`, goes through Bun's
 * I/O threads and lands out of order (measured: lines 1, 6, 5, 4, 3, 2).
 * A closed stream (`mmn hook list | head -1`) ends the output, not the command.
 */
function streamWriter(open: () => Sink): StreamWriter {
  let sink: Sink | undefined;
  let closed = false;
  let lost: string | undefined;
  const close = (error: unknown) => {
    closed = true;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code !== "EPIPE") lost = code ?? String(error);
  };
  const write = (text: string) => {
    if (closed) return;
    try {
      sink ??= open();
      sink.write(text);
      const flushed = sink.flush();
      if (typeof flushed !== "number") flushed.catch(close);
    } catch (error) {
      close(error);
    }
  };
  return Object.assign(write, { lost: () => lost });
}

/** Text for programs, on stdout. */
export const print = streamWriter(() => (bun ? bun.stdout.writer() : descriptorSink(1)));

const writeStderr = streamWriter(() => (bun ? bun.stderr.writer() : descriptorSink(2)));
let linePrefix = "";
let lineOpen = () => false;
const write = (line: string) => writeStderr(`${lineOpen() ? "\n" : ""}${linePrefix}${line}\n`);

/** Marks every line mmn writes on stderr from now on: under `mmn run` they mix with the command's. */
export function markLines(prefix: string): void {
  linePrefix = prefix;
}

/**
 * Under `mmn run`: asked before each line of ours whether the command left a line open on
 * our stderr, which that line then ends first (the answer must count it as ended).
 */
export function startLinesAfter(open: () => boolean): void {
  lineOpen = open;
}

export const ui = {
  /** Shown even with --quiet (which leaves only errors), as it is. */
  raw: (line: string) => write(line),
  info: (message: string) => level !== "quiet" && write(message),
  success: (message: string) => level !== "quiet" && write(`${color.green("✔")} ${message}`),
  warn: (message: string) => level !== "quiet" && write(`${color.yellow("warning:")} ${message}`),
  debug: (message: string) => level === "verbose" && write(color.dim(message)),
  /** One line, what went wrong; one more, what to do. Never a stack trace. */
  error(error: unknown): void {
    if (!(error instanceof MmnError)) {
      const text = errorMessage(error);
      write(`${color.red("error:")} ${text}`);
      if (level === "verbose" && error instanceof Error && error.stack) write(color.dim(error.stack));
      return;
    }
    write(`${color.red("error:")} ${error.message}`);
    if (error.hint) write(`${color.dim("hint:")} ${error.hint}`);
    if (level === "verbose" && (error instanceof ServerError || error instanceof NetworkError)) {
      const status =
        error instanceof ServerError ? ` → ${error.status}${error.serverId ? ` ${error.serverId}` : ""}` : "";
      const requestId = error instanceof ServerError && error.requestId ? ` (request id ${error.requestId})` : "";
      write(color.dim(`${error.request.method} ${error.request.path}${status}${requestId}`));
    }
  },
};
