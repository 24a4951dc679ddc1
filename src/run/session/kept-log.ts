import { rmdirSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { errorMessage } from "../../base/errors.ts";
import { LogFile } from "../process/logfile.ts";
import { fdPath } from "../process/samefile.ts";
import { privateTempDir } from "../process/tempdir.ts";
import type { LogLoss } from "../report/attachment.ts";
import type { RunIo } from "./options.ts";

/** The run's log: what is written, where it is read back from, and the directory removed at the end. */
export interface KeptLog {
  tempDir?: string;
  log?: LogFile;
  /** Reads back what was written, through its descriptor: never the name again. */
  logPath?: string;
  /** The log's directory, as a warning names it. */
  place?: string;
}

type Io = Pick<RunIo, "log" | "attachLog" | "maxLogBytes">;

/**
 * Where the log goes: --log's file, or a ring in a directory of our own, removed at the end.
 * Without --log and with --no-logs nothing needs one. A temporary directory that cannot be
 * had costs the attachment, never the run: one warning says where the log went instead.
 */
export function keepLog(io: Io, id: string, warn: (message: string) => void): KeptLog {
  const chosen = io.log;
  if (chosen?.isOutput) return { logPath: fdPath(chosen.fd) };
  if (chosen) return { log: LogFile.adopt(chosen.fd), logPath: fdPath(chosen.fd), place: dirname(chosen.path) };
  if (!io.attachLog) return {};
  const temp = privateTempDir("mmn-run-");
  const refused = temp.refused.join("; ");
  if (!temp.path) {
    warn(`no temporary directory for the log (${refused}): the outcome is reported without it`);
    return {};
  }
  if (refused) warn(`the temporary directory cannot hold the log (${refused}): it is written in ${temp.path} instead`);
  // Only the end is ever attached: the ring holds that much, and no more of $TMPDIR.
  const file = join(temp.path, `${id}.log`);
  const log = LogFile.create(file, io.maxLogBytes);
  const parent = dirname(temp.path);
  const place = process.env.TMPDIR && parent === tmpdir() ? "$TMPDIR" : parent;
  // Written and read back through its descriptor alone: its name and directory go at once, so
  // that a run killed outright (the scheduler's SIGKILL, the OOM killer) leaves no log of up to
  // 20 MiB in the node's /tmp (the test suites found hundreds there).
  const gone = log.fd !== undefined && forget(file, temp.path);
  return {
    ...(gone ? {} : { tempDir: temp.path }),
    log,
    ...(log.fd === undefined ? {} : { logPath: fdPath(log.fd) }),
    place,
  };
}

/** The file's name and its directory removed; false when either stays (then removed at the end). */
function forget(file: string, dir: string): boolean {
  try {
    unlinkSync(file);
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** What the log lacks, worded for the place it is in. */
export function lossOf({ log, place = "its directory" }: KeptLog): LogLoss | undefined {
  if (!log) return undefined;
  const skipped = log.total - log.kept;
  if (!log.error) return skipped > 0 ? { skipped } : undefined;
  const why =
    log.code === "ENOSPC"
      ? `${place} is full`
      : log.code === "EDQUOT"
        ? `the disk quota of ${place} is used up`
        : log.code === "EFBIG"
          ? "the file size limit (ulimit -f) is reached"
          : log.error;
  if (log.stopped) return { skipped: 0, stopped: why };
  return { skipped, full: why };
}

/** The log closed and the temporary directory gone; a failure is said, never the job's. */
export function releaseLog({ log, tempDir }: KeptLog, warn: (message: string) => void): void {
  log?.close();
  try {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  } catch (error) {
    warn(`could not remove ${tempDir}: ${errorMessage(error)}`);
  }
}
