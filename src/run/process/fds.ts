import { readdirSync, readlinkSync } from "node:fs";

/**
 * What Bun opens for itself before any of our code runs: its event loop's epoll and eventfd.
 * Nobody hands such a file on to a program it starts.
 */
const BUNS_OWN = new Set(["anon_inode:[eventpoll]", "anon_inode:[eventfd]"]);

/**
 * The open files above stderr that the process starting us passed on, as exec keeps them:
 * `exec 3> file`, make's jobserver pipes (--jobserver-auth=R,W), MPI's PMI_FD. The command
 * gets them as nohup or env would give them. Read when this module loads: the run command
 * imports it, and main loads that before mmn opens any file of its own. Bun marks them
 * close-on-exec at start-up like its own, so only their kind tells them apart. Empty where
 * there is no /proc (macOS): the command then gets stdin, stdout and stderr alone.
 */
export const INHERITED_FDS: readonly number[] = inheritedFds();

function inheritedFds(): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc/self/fd");
  } catch {
    return [];
  }
  const fds: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!(fd > 2)) continue;
    try {
      if (!BUNS_OWN.has(readlinkSync(`/proc/self/fd/${fd}`))) fds.push(fd);
    } catch {
      // The listing's own descriptor, closed since.
    }
  }
  return fds.sort((a, b) => a - b);
}

/**
 * Bun.spawn's stdio entries past stderr: each inherited fd at its own number, the numbers
 * between them closed ("ignore" there leaves the fd closed in the child).
 */
export function extraStdio(fds: readonly number[] = INHERITED_FDS): Array<number | "ignore"> {
  const last = fds.length ? fds[fds.length - 1]! : 2;
  return Array.from({ length: last - 2 }, (_, i) => (fds.includes(i + 3) ? i + 3 : "ignore"));
}
