import { closeSync, constants, openSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateTempDir } from "./tempdir.ts";

export interface Pipe {
  read: number;
  write: number;
}

/**
 * Real pipes for the child's stdout and stderr. Bun's "pipe" stdio is a socketpair:
 * with it `echo x > /dev/stderr` fails (ENXIO) in the child, and a child writing to
 * a closed socket gets ECONNRESET instead of dying of SIGPIPE as it would in a shell
 * pipeline. Neither Bun nor Node can make a pipe(2), so we make named pipes in a
 * private directory and unlink them at once. Undefined when that fails (no mkfifo,
 * a filesystem without FIFOs): the caller falls back to Bun's pipes.
 */
export function openPipes(count: number): Pipe[] | undefined {
  let dir: string | undefined;
  const opened: number[] = [];
  try {
    // $TMPDIR alone: without it Bun's pipes do, and a FIFO must not be where others can swap it.
    dir = privateTempDir("mmn-", [tmpdir()]).path;
    if (!dir) return undefined;
    const paths = Array.from({ length: count }, (_, i) => join(dir!, String(i)));
    const made = Bun.spawnSync(["mkfifo", "-m", "600", ...paths], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    });
    if (made.exitCode !== 0) return undefined;
    const pipes = paths.map((path) => {
      // Opening the read end first, without blocking, lets the write end open at once.
      const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      opened.push(read);
      const write = openSync(path, constants.O_WRONLY);
      opened.push(write);
      unlinkSync(path);
      return { read, write };
    });
    opened.length = 0;
    return pipes;
  } catch {
    return undefined;
  } finally {
    for (const fd of opened) closeSync(fd);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
