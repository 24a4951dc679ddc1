import { fs } from "./disk.ts";
import { UsageError } from "./errors.ts";

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
export async function lockFile(path: string, options: { maxWaitMs?: number } = {}): Promise<Release> {
  const disk = await fs();
  const owner = `${process.pid}@${hostName()} ${new Date().toISOString()}\n`;
  const started = Date.now();
  const maxWait = options.maxWaitMs ?? MAX_WAIT_MS;
  for (let pause = 5; ; pause = Math.min(pause * 2, 250)) {
    try {
      await disk.writeFile(path, owner, { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await breakIfStale(path)) continue;
    if (Date.now() - started > maxWait) {
      const holder = (await disk.readFile(path, "utf8").catch(() => "")).trim();
      throw new UsageError(`message id ${JSON.stringify(baseId(path))} stayed locked for ${Math.round(maxWait / 1000)} s${holder ? ` by ${holder}` : ""}`, {
        hint: `if no mmn is running with this id, remove ${path}`,
      });
    }
    // Jittered, so that tasks started together do not come back together.
    await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
  }
  const refresh = setInterval(() => disk.utimes(path, new Date(), new Date()).catch(() => {}), REFRESH_MS);
  refresh.unref?.();
  return async () => {
    clearInterval(refresh);
    await disk.rm(path, { force: true });
  };
}

/** A lock of an mmn that is gone: of a dead process on this host, or untouched for minutes. */
async function breakIfStale(path: string): Promise<boolean> {
  const disk = await fs();
  const [info, text] = await Promise.all([disk.stat(path).catch(() => undefined), disk.readFile(path, "utf8").catch(() => "")]);
  if (!info) return true;
  const [, pid, host] = /^(\d+)@(\S+)/.exec(text) ?? [];
  const dead = host === hostName() && pid !== undefined && !alive(Number(pid));
  if (!dead && Date.now() - info.mtimeMs < STALE_MS) return false;
  // Moved aside first: of two waiters that found it stale, only one removes it.
  const aside = `${path}.${process.pid}.stale`;
  try {
    await disk.rename(path, aside);
    await disk.rm(aside, { force: true });
  } catch {
    // Another waiter broke it first.
  }
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function hostName(): string {
  return process.getBuiltinModule?.("node:os").hostname() ?? "localhost";
}

const baseId = (path: string) => path.replace(/^.*\//, "").replace(/\.msg\.lock$/, "");
