/**
 * What each task of an array is doing, kept as one small file per task in a directory that
 * every node sharing $HOME sees: the board is drawn from them by whichever task edits it.
 * Writes are atomic (a temp file and a rename), reads bounded, a broken file skipped.
 */
import { writeFileAtomic } from "../../atomic.ts";
import { fs, joinPath, parentDir } from "../../disk.ts";
import { lockFile, type Release } from "../../hook-lock.ts";
import { FileRefused, ownedByUs, readStateFile } from "../../read-file.ts";
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
}

const MAX_RECORD_BYTES = 4096;
/** The board waits this long for an edit on its way before its last one. */
const FINAL_EDIT_WAIT_MS = 10_000;

export class ArrayState {
  constructor(readonly dir: string) {}

  async write(record: TaskRecord): Promise<void> {
    await this.#ownDir();
    await writeFileAtomic(joinPath(this.dir, `${record.task.replace(/[^\w.-]/g, "_")}.task`), JSON.stringify(record));
  }

  async readAll(): Promise<TaskRecord[]> {
    const names = await (await fs()).readdir(this.dir).catch(() => [] as string[]);
    const records = await Promise.all(
      names
        .filter((name) => name.endsWith(".task"))
        .map((name) =>
          readStateFile(joinPath(this.dir, name), MAX_RECORD_BYTES)
            .then(({ text }) => parseRecord(text))
            .catch(() => undefined),
        ),
    );
    return records.filter((record) => record !== undefined);
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

  /** The right to draw the final board: one task of the array gets it, after any edit on its way. */
  async claimDone(): Promise<Release | undefined> {
    const disk = await fs();
    try {
      await (await disk.open(joinPath(this.dir, "done"), "wx", 0o600)).close();
    } catch {
      return undefined;
    }
    return this.#editing(FINAL_EDIT_WAIT_MS);
  }

  async isDone(): Promise<boolean> {
    return (await fs()).stat(joinPath(this.dir, "done")).then(
      () => true,
      () => false,
    );
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
    return lockFile(joinPath(this.dir, "editing"), { maxWaitMs });
  }
}

function parseRecord(text: string): TaskRecord | undefined {
  const value: unknown = JSON.parse(text);
  if (!value || typeof value !== "object") return undefined;
  const record = value as Partial<TaskRecord>;
  if (typeof record.task !== "string" || typeof record.phase !== "string" || typeof record.startedAt !== "number")
    return undefined;
  return record as TaskRecord;
}
