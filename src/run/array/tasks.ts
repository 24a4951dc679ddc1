/**
 * What each task of an array is doing, kept in a directory that every node sharing $HOME
 * sees: the board is drawn from it by whichever task edits it. A task writes a small file of
 * its own (`N.task`); the task that tells the ends folds them into one (`board.json`), so the
 * directory does not grow with the array, and when the array is done only a `done` mark stays.
 * Writes are atomic (a temp file and a rename), reads bounded, a broken file skipped.
 */

import { writeFileAtomic } from "../../base/atomic.ts";
import { fs, joinPath, parentDir } from "../../base/disk.ts";
import { isId } from "../../base/ids.ts";
import { FileRefused, ownedByUs, readStateFile } from "../../base/read-file.ts";
import { breakIfStale, lockFile, type Release } from "../../hooks/hook-lock.ts";
import { parsePolicy } from "../../policy/policy.ts";
import type { Phase } from "../report/render.ts";

export interface TaskRecord {
  task: string;
  phase: Phase;
  host: string;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt?: number;
  /** How it ended, in words: "failed with exit code 1". */
  outcome?: string;
  /** A failed task's log (and --attach files), uploaded for the reply that tells its end. */
  files?: string[];
  /** The task's mmn, as the relay judges whether it is alive on its host: its pid and start time (/proc's clock ticks). */
  pid?: number;
  startTicks?: number;
  /** The end was told by `mmn relay`, from the scheduler's word: the task's own, if it comes, wins. */
  unheard?: boolean;
  /** An end's: by when its task tells it (under the lock of the ends), or gives up (epoch ms). */
  tellBy?: number;
  /** The end went through its task's telling: a task telling after it is not waited for. */
  told?: boolean;
}

const MAX_RECORD_BYTES = 4096;
/** Every task's record, folded: far more than a large array's. */
const MAX_FOLDED_BYTES = 16 * 1024 * 1024;
/** The board waits this long for an edit on its way before its last one. */
const FINAL_EDIT_WAIT_MS = 10_000;
const FOLDED = "board.json";
const EDITING = "editing";
/** What the board shows as last drawn (a digest of its message and card). */
const DRAWN = "drawn";
const ANNOUNCED = "announced.json";
/** Where the board is and what array it is for: what `mmn relay` needs to close it when no task can. */
const BOARD_POST = "board-post.json";
/** A task's file moved aside while it is folded: read like the file itself until it is gone. */
const ASIDE = /\.task\.\d+\.\w+\.applied$/;

export class ArrayState {
  constructor(readonly dir: string) {}

  /** A task's own record; the relay's word on it (`unheard`) beside it, never in its place. */
  async write(record: TaskRecord): Promise<void> {
    await this.#ownDir();
    const name = `${record.task.replace(/[^\w.-]/g, "_")}${record.unheard ? ".unheard" : ""}.task`;
    await writeFileAtomic(joinPath(this.dir, name), JSON.stringify(record));
  }

  /** Every task's latest record: the folded ones and those written since. */
  async readAll(): Promise<TaskRecord[]> {
    const names = await (await fs()).readdir(this.dir).catch(() => [] as string[]);
    const files = names.filter((name) => name.endsWith(".task") || ASIDE.test(name));
    const [folded, ...single] = await Promise.all([
      this.#read(FOLDED, MAX_FOLDED_BYTES),
      ...files.map((name) => this.#read(name, MAX_RECORD_BYTES)),
    ]);
    const latest = new Map<string, TaskRecord>();
    for (const record of [...(Array.isArray(folded) ? folded : []), ...single].map(parseRecord)) {
      if (record && newer(record, latest.get(record.task))) latest.set(record.task, record);
    }
    return [...latest.values()];
  }

  /**
   * The tasks' files folded into one, under the lock of the ends (`ends`): each is moved aside
   * first, so that a task writing its end meanwhile writes a new file, never one removed unread.
   */
  async fold(teller?: string): Promise<TaskRecord[]> {
    const disk = await fs();
    const names = await disk.readdir(this.dir).catch(() => [] as string[]);
    const tag = `${process.pid}.${crypto.randomUUID().slice(0, 8)}.applied`;
    await Promise.all(
      names
        .filter((name) => name.endsWith(".task"))
        .map((name) => disk.rename(joinPath(this.dir, name), joinPath(this.dir, `${name}.${tag}`)).catch(() => {})),
    );
    // The teller's end is told by this fold: no later teller leaves the board to it.
    const records = (await this.readAll()).map((r) =>
      r.task === teller && r.phase !== "running" ? { ...r, told: true } : r,
    );
    await writeFileAtomic(joinPath(this.dir, FOLDED), JSON.stringify(records));
    const asides = (await disk.readdir(this.dir).catch(() => [] as string[])).filter((name) => ASIDE.test(name));
    await Promise.all(asides.map((name) => disk.rm(joinPath(this.dir, name), { force: true })));
    return records;
  }

  /** The tasks whose failure a reply has told. */
  async announced(): Promise<Set<string>> {
    const list = await this.#read(ANNOUNCED, MAX_FOLDED_BYTES);
    return new Set(Array.isArray(list) ? list.filter((task): task is string => typeof task === "string") : []);
  }

  async markAnnounced(tasks: Iterable<string>): Promise<void> {
    await writeFileAtomic(joinPath(this.dir, ANNOUNCED), JSON.stringify([...tasks]));
  }

  /**
   * The right to tell tasks' ends: one task at a time, so that ends that come together make
   * one reply. Undefined when it could not be had before the deadline.
   */
  async ends(deadline: number): Promise<Release | undefined> {
    await this.#ownDir();
    const maxWaitMs = Math.max(0, deadline - Date.now());
    return lockFile(joinPath(this.dir, "ends.lock"), { maxWaitMs }).catch(() => undefined);
  }

  /**
   * The right to edit the board now: at most once per interval for the whole array, however
   * many tasks ask (the server's load must not grow with their number). Undefined when the
   * last edit is too recent, another task is editing, or the array is done.
   */
  async claimEdit(intervalMs: number): Promise<Release | undefined> {
    const disk = await fs();
    const edited = joinPath(this.dir, "edited");
    const recent = async () =>
      Date.now() - ((await disk.stat(edited).catch(() => undefined))?.mtimeMs ?? 0) < intervalMs;
    if (await recent()) return undefined;
    const release = await this.#editing(0).catch(() => undefined);
    if (!release) return undefined;
    if ((await recent()) || (await this.isDone())) {
      await release();
      return undefined;
    }
    // A new file each time, 0600 whatever the umask, never through what is at the name.
    await writeFileAtomic(edited, "");
    return release;
  }

  /** The right to edit the board whatever the interval, after any edit on its way (the last task's end). */
  async claimEditNow(deadline: number): Promise<Release | undefined> {
    const wait = Math.min(FINAL_EDIT_WAIT_MS, Math.max(0, deadline - Date.now()));
    const release = await this.#editing(wait).catch(() => undefined);
    if (release) await writeFileAtomic(joinPath(this.dir, "edited"), "");
    return release;
  }

  /** The digest of what the board shows, as last drawn (draws.ts `drawing`); undefined before any. */
  async drawn(): Promise<string | undefined> {
    const value = await this.#read(DRAWN, MAX_RECORD_BYTES);
    return typeof value === "string" ? value : undefined;
  }

  /** `posted`: the board was just posted, which is a drawing of the interval as an edit is. */
  async markDrawn(digest: string, posted = false): Promise<void> {
    await writeFileAtomic(joinPath(this.dir, DRAWN), JSON.stringify(digest));
    if (posted) await writeFileAtomic(joinPath(this.dir, "edited"), "");
  }

  /** Written once the board exists, for the relay (close.ts, unheard.ts). */
  async writeBoardPost(post: BoardPost): Promise<void> {
    await writeFileAtomic(joinPath(this.dir, BOARD_POST), JSON.stringify(post));
  }

  async boardPost(): Promise<BoardPost | undefined> {
    return parseBoardPost(await this.#read(BOARD_POST, MAX_RECORD_BYTES));
  }

  /**
   * The right to close the board for the relay alone: a rename, which one of two relays wins.
   * Undefined when another relay was first (or there is no board).
   */
  async claimClose(): Promise<string | undefined> {
    const claim = joinPath(this.dir, `${BOARD_POST}.claimed-${process.pid}-${crypto.randomUUID().slice(0, 8)}`);
    return (await fs()).rename(joinPath(this.dir, BOARD_POST), claim).then(
      () => claim,
      () => undefined,
    );
  }

  /** The claim given back: the server could not be reached, the next pass tries again. */
  async unclaimClose(claim: string): Promise<void> {
    await (await fs()).rename(claim, joinPath(this.dir, BOARD_POST)).catch(() => {});
  }

  /** The array is done: no periodic edit may draw the board any more. */
  async markDone(): Promise<void> {
    await writeFileAtomic(joinPath(this.dir, "done"), "");
  }

  /**
   * What the tasks of a done array kept here, removed: only the `done` mark (and locks held)
   * stay. The edit lock of a task killed while it drew the board goes too.
   */
  async clearSpent(): Promise<void> {
    const disk = await fs();
    const names = await disk.readdir(this.dir).catch(() => [] as string[]);
    const spent = names.filter(
      (name) =>
        /\.task$|\.applied$|^board-post\.json/.test(name) || [FOLDED, ANNOUNCED, DRAWN, "edited"].includes(name),
    );
    await Promise.all(spent.map((name) => disk.rm(joinPath(this.dir, name), { force: true })));
    if (names.includes(EDITING)) await breakIfStale(joinPath(this.dir, EDITING)).catch(() => {});
  }

  async isDone(): Promise<boolean> {
    return (await fs()).lstat(joinPath(this.dir, "done")).then(
      () => true,
      () => false,
    );
  }

  async #read(name: string, maxBytes: number): Promise<unknown> {
    try {
      return JSON.parse((await readStateFile(joinPath(this.dir, name), maxBytes)).text);
    } catch {
      return undefined;
    }
  }

  /**
   * The array's directory, and the one holding every array's, made 0700 and ours: in a hook
   * directory others can write (a shared `MMN_HOOK_DIR`), what another user made there could
   * hold a planted `done` or lock, or be renamed away under us.
   */
  async #ownDir(): Promise<void> {
    const disk = await fs();
    await disk.mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (const dir of [parentDir(this.dir), this.dir]) {
      const info = await disk.lstat(dir);
      if (!info.isDirectory()) throw new FileRefused("ELOOP");
      ownedByUs(info);
    }
  }

  #editing(maxWaitMs: number): Promise<Release> {
    return lockFile(joinPath(this.dir, EDITING), { maxWaitMs });
  }
}

export interface BoardPost {
  scheduler: string;
  arrayId: string;
  count?: number;
  name?: string;
  mention?: string;
  /** The policy's words (--on), as the tasks were given them. */
  on: string;
  postId: string;
  channelId: string;
  server: string;
}

function parseBoardPost(value: unknown): BoardPost | undefined {
  if (!value || typeof value !== "object") return undefined;
  const post = value as Partial<BoardPost>;
  const word = (text: unknown) => typeof text === "string" && /^[\w.-]{1,64}$/.test(text);
  if (!word(post.scheduler) || !word(post.arrayId) || !isId(post.postId) || !isId(post.channelId)) return undefined;
  if (typeof post.server !== "string" || typeof post.on !== "string" || "error" in parsePolicy(post.on))
    return undefined;
  if (post.count !== undefined && !(Number.isInteger(post.count) && post.count > 0)) return undefined;
  if (post.name !== undefined && typeof post.name !== "string") return undefined;
  if (post.mention !== undefined && !word(post.mention)) return undefined;
  return post as BoardPost;
}

/**
 * A restart (a requeued task) starts later; of one start, its end is newer than its running,
 * and the task's own end is truer than the relay's.
 */
function newer(record: TaskRecord, than: TaskRecord | undefined): boolean {
  if (!than) return true;
  if (record.startedAt !== than.startedAt) return record.startedAt > than.startedAt;
  if (record.phase !== "running" && than.phase !== "running") return !record.unheard && than.unheard === true;
  return record.phase !== "running" && than.phase === "running";
}

function parseRecord(value: unknown): TaskRecord | undefined {
  if (!value || typeof value !== "object") return undefined;
  const record = value as Partial<TaskRecord>;
  if (typeof record.task !== "string" || typeof record.phase !== "string" || typeof record.startedAt !== "number")
    return undefined;
  if (
    record.files !== undefined &&
    !(Array.isArray(record.files) && record.files.every((id) => typeof id === "string"))
  )
    return undefined;
  const from = (least: number) => (n: unknown) =>
    n === undefined || (Number.isSafeInteger(n) && (n as number) >= least);
  if (!from(1)(record.pid) || !from(0)(record.startTicks) || !from(0)(record.tellBy)) return undefined;
  if (record.told !== undefined && typeof record.told !== "boolean") return undefined;
  return record as TaskRecord;
}
