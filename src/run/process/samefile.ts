import { existsSync, fstatSync, type Stats, statSync } from "node:fs";

export const PROC_FD = existsSync("/proc/self/fd");

/**
 * A path that opens the file an fd of ours holds, whatever its name has become since: what
 * reads it by path (the uploads) reads the very file that was checked or written.
 */
export const fdPath = (fd: number): string => (PROC_FD ? `/proc/self/fd/${fd}` : `/dev/fd/${fd}`);

const sameFile = (x: Stats, y: Stats) => x.dev === y.dev && x.ino === y.ino;

/** Whether two of our fds lead to the same file, as after `> job.out 2>&1`. */
export function sameOpenFile(a: number, b: number): boolean {
  try {
    return sameFile(fstatSync(a), fstatSync(b));
  } catch {
    return false;
  }
}

/** Our stdout or stderr when the file is where it goes already, as `--log job.out … > job.out` makes it. */
export function ourOutputFd(path: string): 1 | 2 | undefined {
  try {
    const file = statSync(path);
    return ([1, 2] as const).find((fd) => {
      try {
        return sameFile(file, fstatSync(fd));
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}
