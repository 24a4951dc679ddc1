import { fstatSync, type Stats, statSync } from "node:fs";

const sameFile = (x: Stats, y: Stats) => x.dev === y.dev && x.ino === y.ino;

/** Whether two of our fds lead to the same file, as after `> job.out 2>&1`. */
export function sameOpenFile(a: number, b: number): boolean {
  try {
    return sameFile(fstatSync(a), fstatSync(b));
  } catch {
    return false;
  }
}

/** Whether the file is where our stdout or stderr already goes, as `--log job.out … > job.out` makes it. */
export function isOurOutput(path: string): boolean {
  try {
    const file = statSync(path);
    return [1, 2].some((fd) => {
      try {
        return sameFile(file, fstatSync(fd));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
