/**
 * One thread per job, whoever speaks: the job id → the Mattermost post whose thread tells that
 * job's story. The first of `mmn run` (inside the job), `mmn watch` (outside it), the relay and
 * `mmn slurm-mail` to post about a job writes its entry here; the others find the post by the
 * job's id and speak in its thread (or edit it) instead of posting a status of their own.
 *
 * API (small on purpose, other commands stand on it):
 * - `threadKey(scheduler, jobId, { array })` names a job ("slurm:1234") or an array's board ("slurm:array:1234").
 * - `new JobThreads(dir?)`; `find(key)` the entry or undefined; `claim(entry)` writes it unless
 *   another speaker was first, and returns the entry that holds (ours or the earlier one);
 *   `forget(key)` removes it.
 *
 * Kept beside the hooks (`$MMN_HOOK_DIR/.jobs`, else ~/.local/state/mmn/hooks/.jobs), on the
 * home directory the nodes share, with the hooks' trust rules: 0600 files in a 0700 directory
 * of ours, never through a symlink, read bounded; a planted or broken entry is no entry.
 */
import { errnoText, fs, joinPath, parentDir } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";
import { isId } from "../base/ids.ts";
import { jsonObject } from "../base/json.ts";
import { FileRefused, ownedByUs, readStateFile } from "../base/read-file.ts";
import { withoutTrailingSlashes } from "../base/url-text.ts";
import type { Client } from "../client/client.ts";
import type { MessageHook } from "../hooks/hook-file.ts";
import { defaultHookDir } from "../hooks/hooks.ts";

/** Who made the thread: the job's own wrapper, a watcher, the relay, Slurm's MailProg. */
type Speaker = "run" | "watch" | "relay" | "mail";

export interface JobThread {
  /** `threadKey`'s result. */
  key: string;
  /** The post whose thread it is (the root). */
  postId: string;
  channelId: string;
  /** The server's URL the post is on. */
  server: string;
  by: Speaker;
  /** Epoch ms. */
  at: number;
}

const MAX_ENTRY_BYTES = 4096;
const KEY = /^[a-z]+:(?:array:)?[\w.[\]-]{1,64}$/;

/** The key of a job (its own id: a task of an array has one too) or of an array's board (the array's id). */
export function threadKey(scheduler: string, jobId: string, options: { array?: boolean } = {}): string {
  return `${scheduler}:${options.array ? "array:" : ""}${jobId}`;
}

/** Whether two server URLs name the same server: a thread on another server is no thread here. */
export const sameServer = (a: string, b: string): boolean =>
  withoutTrailingSlashes(a).toLowerCase() === withoutTrailingSlashes(b).toLowerCase();

/**
 * The board `mmn watch` posted for an array before any task ran (on this server), remembered
 * under the tasks' board id: they draw on it, and the watch, seeing their board-post.json name
 * its post, lets them tell it. Called under `Client#once`'s lock.
 */
export async function watchersBoard(
  notify: Client,
  { boardId, scheduler, arrayId }: { boardId: string; scheduler?: string | undefined; arrayId: string },
): Promise<MessageHook | undefined> {
  if (!scheduler) return undefined;
  const found = await new JobThreads().find(threadKey(scheduler, arrayId, { array: true }));
  if (found?.by !== "watch" || !sameServer(found.server, notify.serverUrl)) return undefined;
  const hook = { id: boardId, channelId: found.channelId, postId: found.postId, server: found.server };
  await notify.hooks.set(hook);
  return hook;
}

export class JobThreads {
  constructor(readonly dir: string = joinPath(defaultHookDir(), ".jobs")) {}

  /** The job's thread, when someone made one; a broken or foreign file is none. */
  async find(key: string): Promise<JobThread | undefined> {
    if (!KEY.test(key)) return undefined;
    try {
      await this.#ownDir();
      const { text } = await readStateFile(this.#file(key), MAX_ENTRY_BYTES);
      const entry = parse(text);
      return entry?.key === key ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The job's thread is this post, unless another speaker was first: an exclusive link of a
   * finished temp file, which one of two writers wins and no reader sees half of. Returns the
   * entry that holds.
   */
  async claim(entry: JobThread): Promise<JobThread> {
    if (!KEY.test(entry.key)) throw new UsageError(`not a job's thread key: ${JSON.stringify(entry.key)}`);
    const disk = await fs();
    try {
      await disk.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await this.#ownDir();
    } catch (error) {
      throw new UsageError(`cannot keep the job's thread in ${this.dir}: ${errnoText(error)}`, {
        hint: "set MMN_HOOK_DIR to a directory only you can write",
      });
    }
    const file = this.#file(entry.key);
    const temp = `${file}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    await disk.writeFile(temp, JSON.stringify(entry), { mode: 0o600, flag: "wx" });
    try {
      await disk.link(temp, file);
      return entry;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const earlier = await this.find(entry.key);
      if (earlier) return earlier;
      // Broken or planted: ours replaces it.
      await disk.rename(temp, file);
      return entry;
    } finally {
      await disk.rm(temp, { force: true }).catch(() => {});
    }
  }

  async forget(key: string): Promise<void> {
    if (KEY.test(key)) await (await fs()).rm(this.#file(key), { force: true }).catch(() => {});
  }

  #file(key: string): string {
    return joinPath(this.dir, `${key.replace(/[^\w.-]/g, "_")}.thread`);
  }

  async #ownDir(): Promise<void> {
    const disk = await fs();
    for (const dir of [parentDir(this.dir), this.dir]) {
      const info = await disk.lstat(dir);
      if (!info.isDirectory()) throw new FileRefused("ELOOP");
      ownedByUs(info);
    }
  }
}

function parse(text: string): JobThread | undefined {
  const value = jsonObject<JobThread>(text);
  if (!value) return undefined;
  const { key, postId, channelId, server, by, at } = value;
  if (typeof key !== "string" || !KEY.test(key) || !isId(postId) || !isId(channelId)) return undefined;
  if (typeof server !== "string" || typeof at !== "number") return undefined;
  if (by !== "run" && by !== "watch" && by !== "relay" && by !== "mail") return undefined;
  return { key, postId, channelId, server, by, at };
}
