/**
 * Opening a file the job made, in a directory others may share, without being led to a file
 * of the user's that they never meant to send. Every component of the path is looked at: a
 * symlink of another user's is never followed (`results` linked to the user's private
 * directory would have `results/*` send its files), one of the user's own or of root's is
 * (a dotfile manager's, `/home` → `/gpfs/home`). The file is then opened by the path so
 * resolved, without following a link, and the descriptor is checked against what was looked
 * at: the same device and inode, and, where /proc tells it, the same place. A name swapped
 * in between (a link to the user's token, a directory replaced by a link) is refused.
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, type Stats } from "node:fs";
import { lstat, readlink } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { fdPath, PROC_FD } from "../process/samefile.ts";

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
/** As the kernel's own limit on links followed in one lookup. */
const MAX_LINKS = 40;

export type CheckedOpen =
  | { fd: number; size: number }
  /** A component that is another user's symlink, as the path names it. */
  | { foreignLink: string; uid: number }
  /** Not a regular file (a directory, a FIFO), or gone: nothing to attach, nothing to say. */
  | { skip: true }
  /** Changed between the look and the open: someone is swapping it. */
  | { changed: true };

/** Looks at each component of a path once per run: `out/*` has one `out`. */
export class PathChecker {
  readonly #seen = new Map<string, Promise<Stats | undefined>>();
  readonly #me = process.geteuid?.();

  /** Opens `path` (absolute) for reading, or says why not. The caller closes the fd. */
  async open(path: string): Promise<CheckedOpen> {
    const resolved = await this.#resolve(path);
    if ("foreignLink" in resolved || "skip" in resolved) return resolved;
    let fd: number;
    try {
      fd = openSync(resolved.real, FLAGS);
    } catch (error) {
      // ELOOP: the file became a link since it was looked at.
      return (error as NodeJS.ErrnoException).code === "ELOOP" ? { changed: true } : { skip: true };
    }
    try {
      const info = fstatSync(fd);
      const same = info.dev === resolved.info.dev && info.ino === resolved.info.ino;
      if (!same || !info.isFile() || !samePlace(fd, resolved.real)) {
        closeSync(fd);
        return { changed: true };
      }
      return { fd, size: info.size };
    } catch {
      closeSync(fd);
      return { skip: true };
    }
  }

  /** The path with the links of the user's (and root's) resolved, the file's lstat; or the first foreign link. */
  async #resolve(
    path: string,
  ): Promise<{ real: string; info: Stats } | { foreignLink: string; uid: number } | { skip: true }> {
    const left = path.split(sep).filter(Boolean);
    // What the path names, for the note: the link as the user wrote it, not where ours led.
    const named: string[] = [];
    let real: string = sep;
    let links = 0;
    let followed = false;
    while (left.length) {
      const part = left.shift()!;
      if (!followed) named.push(part);
      if (part === ".") continue;
      if (part === "..") {
        real = dirname(real);
        continue;
      }
      const next = join(real, part);
      const info = await this.#lstat(next);
      if (!info) return { skip: true };
      if (info.isSymbolicLink()) {
        if (this.#me !== undefined && info.uid !== this.#me && info.uid !== 0)
          return { foreignLink: followed ? next : sep + named.join(sep), uid: info.uid };
        if (++links > MAX_LINKS) return { skip: true };
        const target = await readlink(next).catch(() => undefined);
        if (target === undefined) return { skip: true };
        if (isAbsolute(target)) real = sep;
        left.unshift(...target.split(sep).filter(Boolean));
        followed = true;
        continue;
      }
      real = next;
      if (left.length === 0) return info.isFile() ? { real, info } : { skip: true };
      if (!info.isDirectory()) return { skip: true };
    }
    return { skip: true };
  }

  #lstat(path: string): Promise<Stats | undefined> {
    let known = this.#seen.get(path);
    if (!known) {
      known = lstat(path).catch(() => undefined);
      this.#seen.set(path, known);
    }
    return known;
  }
}

/** Where /proc says the fd's file is: a directory on the way swapped for a link shows here. */
function samePlace(fd: number, real: string): boolean {
  if (!PROC_FD) return true;
  try {
    return readlinkSync(fdPath(fd)) === resolve(real);
  } catch {
    return false;
  }
}
