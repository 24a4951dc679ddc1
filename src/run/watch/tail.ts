/**
 * The job's StdOut file, read from a login node that shares its file system: its last lines
 * while the job runs, and the file itself attached at the end. Opened as `mmn run --attach`
 * opens a file (checked-open.ts: no other user's symlink on the way, the descriptor checked
 * against what was looked at), read bounded, never by its name again.
 */
import { closeSync, readSync } from "node:fs";
import { isAbsolute } from "node:path";
import type { FileInput } from "../../client/files.ts";
import { fdPath } from "../process/samefile.ts";
import { PathChecker } from "../report/checked-open.ts";

/** What the message shows of the output: its last bytes, a few lines. */
const TAIL_BYTES = 4096;
const TAIL_LINES = 15;
/** What the end attaches: the file's last part, as `mmn run` attaches its log. */
const ATTACH_BYTES = 10 * 1024 * 1024;

/** Slurm's filename patterns (%j, %A, %a, %x, %u, %%) as the job's own ids give them; a path with others is not guessed. */
export function expandOutputPath(
  path: string,
  job: { jobId: string; arrayJobId?: string; arrayTaskId?: string; name: string },
  user: string,
): string | undefined {
  let unknown = false;
  const expanded = path.replace(/%(\d*)([%jAaxuJ])?/g, (whole, _width: string, letter: string | undefined) => {
    switch (letter) {
      case "%":
        return "%";
      case "j":
      case "J":
        return job.jobId;
      case "A":
        return job.arrayJobId ?? job.jobId;
      case "a":
        return job.arrayTaskId ?? "4294967294";
      case "x":
        return job.name;
      case "u":
        return user;
      default:
        unknown = true;
        return whole;
    }
  });
  return unknown || !isAbsolute(expanded) ? undefined : expanded;
}

/** The last lines of the file, or undefined where it cannot be read (not shared here, refused, gone). */
export async function readTail(path: string): Promise<string | undefined> {
  const opened = await new PathChecker().open(path);
  if (!("fd" in opened)) return undefined;
  try {
    const length = Math.min(TAIL_BYTES, opened.size);
    const buffer = new Uint8Array(length);
    const read = length ? readSync(opened.fd, buffer, 0, length, opened.size - length) : 0;
    const text = new TextDecoder().decode(buffer.subarray(0, read));
    // A cut first line is dropped; progress bars' carriage returns keep their last state.
    const lines = text
      .split("\n")
      .slice(opened.size > length ? 1 : 0)
      .map((line) => (line.split("\r").filter(Boolean).at(-1) ?? "").replace(/\p{Cc}/gu, (c) => (c === "\t" ? c : "")));
    while (lines.length && !lines.at(-1)) lines.pop();
    return lines.slice(-TAIL_LINES).join("\n");
  } finally {
    closeSync(opened.fd);
  }
}

/** The file opened for attaching (checked as the tail is), with a close; undefined where it cannot be. */
export async function openForAttach(
  path: string,
  name: string,
): Promise<{ file: FileInput; close: () => void } | undefined> {
  const opened = await new PathChecker().open(path);
  if (!("fd" in opened)) return undefined;
  const size = Math.min(ATTACH_BYTES, opened.size);
  if (size === 0) {
    closeSync(opened.fd);
    return undefined;
  }
  return {
    file: { path: fdPath(opened.fd), name, offset: opened.size - size, size },
    close: () => closeSync(opened.fd),
  };
}
