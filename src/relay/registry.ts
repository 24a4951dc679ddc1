/**
 * The runs that may still say "running": each `mmn run` with a status post leaves one small
 * file here (written once the post exists, removed once its final word arrived), so that
 * `mmn relay` on a login node can tell the runs that died without a word. Beside the hooks,
 * on the home directory the nodes share; the same trust rules as theirs: 0600 in 0700, ours,
 * never through a symlink, bounded.
 */
import { writeFileAtomic } from "../base/atomic.ts";
import { errnoText, fs, joinPath, parentDir } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";
import { isId } from "../base/ids.ts";
import { jsonObject } from "../base/json.ts";
import { printable } from "../base/printable.ts";
import { FileRefused, ownedByUs, readStateFile } from "../base/read-file.ts";
import { defaultHookDir } from "../hooks/hooks.ts";

/** What identifies a run and where its status is, as the relay needs it. */
export interface RunRecord {
  host: string;
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/PID/stat's 22nd field): a reused pid is another process. */
  startTicks?: number;
  /** Epoch ms. */
  startedAt: number;
  /** The run's name as its status post shows it. */
  name: string;
  job?: { scheduler: string; jobId: string; arrayJobId?: string; arrayTaskId?: string };
  /**
   * Whether mmn is the batch step's main process (the scheduler signals it at the end): false
   * when its parent is the batch script (`sbatch --wrap "mmn run …"` without `exec`).
   */
  batchMain?: boolean;
  post: { postId: string; channelId: string; rootId?: string; server: string };
  hookId: string;
  mention?: string;
  /** The run's notification policy as written (`--on`, `on=`): whether the relay's word replies. Older records have none: the default. */
  on?: string;
  /** A relay replied with the run's end, then died before its edit: the relay that takes its claim over edits alone. */
  replied?: boolean;
}

const MAX_RECORD_BYTES = 8 * 1024;
/** A claim older than this belongs to a relay that died in the middle: taken over. */
const STALE_CLAIM_MS = 10 * 60_000;
/** A claim's name: when it was taken (ms), by which pid, a random word. The time is in the name because a rename keeps the file's mtime. */
const CLAIMED = /\.run\.claimed-(?:(\d{13})-)?\d+-\w+$/;

/** `$MMN_HOOK_DIR/.runs`, else beside the hooks in the state directory. */
function runsDir(env: Record<string, string | undefined> = process.env): string {
  return joinPath(defaultHookDir(env), ".runs");
}

/** A registered run as the relay finds it: its record and the file it is in. */
export interface Registered {
  file: string;
  record: RunRecord;
  /** When the file was written (epoch ms). */
  since: number;
}

export class RunRegistry {
  constructor(readonly dir: string = runsDir()) {}

  /** One write: the run's file, named so that two runs never share one. */
  async register(record: RunRecord): Promise<string> {
    await (await fs()).mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.#ownDir();
    const file = joinPath(this.dir, `${safe(record.host)}.${record.pid}.${record.startTicks ?? record.startedAt}.run`);
    await writeFileAtomic(file, JSON.stringify(record));
    return file;
  }

  /** The run delivered its final word (or the relay did): nothing left to tell. */
  async retire(file: string): Promise<void> {
    await (await fs()).rm(file, { force: true });
  }

  /** Every registered run, and the claims of relays that died long ago; a broken or planted file is skipped. */
  async list(now = Date.now()): Promise<Registered[]> {
    try {
      await this.#ownDir();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new UsageError(`cannot read the registered runs in ${this.dir}: ${errnoText(error)}`, {
        hint: "set MMN_HOOK_DIR to a directory only you can write, or remove that one",
      });
    }
    const names = await (await fs()).readdir(this.dir).catch(() => [] as string[]);
    const found: Registered[] = [];
    for (const name of names.sort()) {
      const claimed = CLAIMED.test(name);
      if (!name.endsWith(".run") && !claimed) continue;
      const file = joinPath(this.dir, name);
      try {
        const { text, facts } = await readStateFile(file, MAX_RECORD_BYTES);
        // A claim is as old as its name says (or its file, for one that does not say).
        const claimedAt = Number(CLAIMED.exec(name)?.[1]) || facts.mtimeMs;
        if (claimed && now - Math.max(claimedAt, facts.mtimeMs) < STALE_CLAIM_MS) continue;
        const record = parseRecord(text);
        if (record) found.push({ file, record, since: facts.mtimeMs });
      } catch {
        // Gone meanwhile, or not ours: another relay's, or planted.
      }
    }
    return found;
  }

  /**
   * Takes the run for this relay alone: a rename, which one of two relays wins. The claim's
   * time is now, in its name (a rename keeps the old mtime, which another relay listing the
   * directory meanwhile would take for a stale claim), so that it is not taken over while
   * this relay works. Undefined when another
   * relay (or the run's own end) was first.
   */
  async claim(entry: Registered): Promise<string | undefined> {
    const disk = await fs();
    const base = entry.file.replace(CLAIMED, ".run");
    const claim = `${base}.claimed-${Date.now()}-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await disk.rename(entry.file, claim);
    } catch {
      return undefined;
    }
    const now = new Date();
    await disk.utimes(claim, now, now).catch(() => {});
    return claim;
  }

  /**
   * A mark that something was told (a step that will never run): made by one relay alone, an
   * exclusive create. Undefined when it was made before, by this relay or another.
   */
  async mark(name: string): Promise<string | undefined> {
    const disk = await fs();
    await disk.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.#ownDir();
    const file = joinPath(this.dir, `${safe(name)}.told`);
    try {
      await (await disk.open(file, "wx", 0o600)).close();
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
      throw error;
    }
  }

  /** The directory and the one above it are ours and nobody else's to write: never another user's link or folder. */
  async #ownDir(): Promise<void> {
    const disk = await fs();
    for (const dir of [parentDir(this.dir), this.dir]) {
      const info = await disk.lstat(dir);
      if (!info.isDirectory()) throw new FileRefused("ELOOP");
      ownedByUs(info);
    }
  }

  /** The reply is out: written into the claim, so that a relay taking it over (this one died) does not reply again. */
  async replied(claim: string, record: RunRecord): Promise<void> {
    await writeFileAtomic(claim, JSON.stringify({ ...record, replied: true }));
  }

  /** The claim given back (the server could not be reached): the next pass tries again. */
  async unclaim(claim: string, file: string): Promise<void> {
    await (await fs()).rename(claim, file.replace(CLAIMED, ".run")).catch(() => {});
  }
}

const safe = (text: string) => text.replace(/[^\w.-]/g, "_").slice(0, 100);

function parseRecord(text: string): RunRecord | undefined {
  const value = jsonObject<RunRecord>(text);
  if (!value) return undefined;
  const { host, pid, post, name, hookId, startedAt } = value;
  if (typeof host !== "string" || !Number.isInteger(pid) || typeof startedAt !== "number") return undefined;
  if (!post || !isId(post.postId) || !isId(post.channelId) || typeof post.server !== "string") return undefined;
  if (post.rootId !== undefined && !isId(post.rootId)) return undefined;
  const job = value.job;
  if (job && !(typeof job.jobId === "string" && /^[\w.[\]-]{1,64}$/.test(job.jobId))) return undefined;
  if (typeof value.mention !== "string" || !/^[\w.-]{1,64}$/.test(value.mention)) delete value.mention;
  if (typeof value.on !== "string" || !/^[\w,+ -]{1,200}$/.test(value.on)) delete value.on;
  if (value.replied !== true) delete value.replied;
  return {
    ...value,
    host: printable(host, 100),
    name: printable(typeof name === "string" ? name : "", 200),
    hookId: typeof hookId === "string" ? printable(hookId, 200) : "",
  } as RunRecord;
}
