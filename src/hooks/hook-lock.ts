import { fs } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";
import { pidAlive } from "../base/pid.ts";
import { readStateFile } from "../base/read-file.ts";

/** A lock untouched this long belongs to an mmn that died (a node that went down): it is broken. */
const STALE_MS = 5 * 60_000;
/** How often the holder shows it is alive, for a long upload. */
const REFRESH_MS = 60_000;
/** Past a stale lock's age: a waiter then always gets its turn. */
const MAX_WAIT_MS = STALE_MS + 30_000;

export type Release = () => Promise<void>;

/**
 * An exclusive lock on one message id, held by a file created with O_EXCL, which is atomic
 * on local disks and on NFS (v3 and later) alike: tasks of one job on many nodes sharing
 * $HOME send `--id same` at once, and exactly one of them may create the message.
 * Not flock: it is not shared between NFS clients everywhere.
 */
export interface LockOptions {
  maxWaitMs?: number;
  /** Called between judging a lock stale and acting on it: where the tests make the race happen. */
  afterJudging?: () => Promise<void>;
}

export async function lockFile(path: string, options: LockOptions = {}): Promise<Release> {
  const disk = await fs();
  const owner = `${process.pid}@${hostName()} ${new Date().toISOString()}\n`;
  const started = performance.now();
  const maxWait = options.maxWaitMs ?? MAX_WAIT_MS;
  let mine: number;
  for (let pause = 5; ; pause = Math.min(pause * 2, 250)) {
    try {
      const handle = await disk.open(path, "wx", 0o600);
      try {
        await handle.writeFile(owner);
        mine = (await handle.stat()).ino;
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await breakIfStale(path, options.afterJudging)) continue;
    if (performance.now() - started > maxWait) {
      const holder = ((await look(path).catch(() => undefined))?.text ?? "").trim();

      throw new UsageError(
        `message id ${JSON.stringify(baseId(path))} stayed locked for ${Math.round(maxWait / 1000)} s${holder ? ` by ${holder}` : ""}`,
        {
          hint: `if no mmn is running with this id, remove ${path}`,
        },
      );
    }
    // Jittered, so that tasks started together do not come back together.
    await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
  }
  const refresh = setInterval(() => disk.utimes(path, new Date(), new Date()).catch(() => {}), REFRESH_MS);
  refresh.unref?.();
  return async () => {
    clearInterval(refresh);
    // Ours alone: a lock broken as stale meanwhile (a process frozen for minutes) is another's now.
    if ((await disk.stat(path).catch(() => undefined))?.ino === mine) await disk.rm(path, { force: true });
  };
}

/**
 * A lock of an mmn that is gone: of a dead process on this host, or untouched for minutes.
 * Judged on one inode, read through one descriptor: the holder may release it and exit, and
 * a new holder create the next lock at the same name, between any two looks at the name. It
 * is moved aside before it is removed, and put back if what was moved was not what was
 * judged: a live lock broken would let two processes in.
 */
export async function breakIfStale(path: string, afterJudging?: () => Promise<void>): Promise<boolean> {
  const disk = await fs();
  const judged = await look(path);
  // Gone already: try again to take it.
  if (!judged) return true;
  const [, pid, host] = /^(\d+)@(\S+)/.exec(judged.text) ?? [];
  const dead = host === hostName() && pid !== undefined && !pidAlive(Number(pid));
  if (!dead && Date.now() - judged.mtimeMs < STALE_MS) return false;
  await afterJudging?.();
  // A holder that released its lock and exited leaves no lock behind: what is at the name
  // now, if anything else, is a new holder's, and alive. (An inode number is reused at once:
  // the holder's words tell the locks apart.)
  const now = await look(path);
  if (!now || now.ino !== judged.ino || now.text !== judged.text) return true;
  const aside = `${path}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.stale`;
  try {
    await disk.rename(path, aside);
  } catch {
    // Another waiter broke it first.
    return true;
  }
  const moved = await look(aside).catch(() => undefined);
  // A lock taken since: it goes back where it was, unless the name has been taken once more.
  if (moved && (moved.ino !== judged.ino || moved.text !== judged.text)) await disk.link(aside, path).catch(() => {});
  await disk.rm(aside, { force: true });
  return true;
}

/** Far more than a holder's words (`PID@host time`). */
const MAX_LOCK_BYTES = 1024;

/**
 * One lock file as one descriptor sees it: its inode, its holder's words, its age. Undefined
 * when it is gone; anything but a small regular file of ours (a FIFO, a link to /dev/zero,
 * another user's file in a shared hook directory) is refused, never waited on or read whole.
 */
async function look(path: string): Promise<{ ino: number; text: string; mtimeMs: number } | undefined> {
  try {
    const { text, facts } = await readStateFile(path, MAX_LOCK_BYTES);
    return { ino: facts.ino, text, mtimeMs: facts.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function hostName(): string {
  return process.getBuiltinModule?.("node:os").hostname() ?? "localhost";
}

const baseId = (path: string) => path.replace(/^.*\//, "").replace(/\.msg\.lock$/, "");
