import { writeFileAtomic } from "./base/atomic.ts";
import { errnoText, fs, homeDir, joinPath } from "./base/disk.ts";
import { UsageError } from "./base/errors.ts";
import { isId } from "./base/ids.ts";
import { printable } from "./base/printable.ts";
import { FileRefused, readSmallFile, readStateFile } from "./base/read-file.ts";
import { lockFile, type Release } from "./hook-lock.ts";

/** Where a sent message lives, so that it can be edited later, from any process. */
export interface MessageHook {
  id: string;
  channelId: string;
  postId: string;
  /** Server URL the post lives on (mmn's fifth line; absent in the seed's files). */
  server?: string;
  /** Thread root when the post is a reply, so that follow-ups land in the same thread. */
  rootId?: string;
  /** ISO 8601 time the message was first sent. */
  createdAt?: string;
}

const HEADER = "[Mattermost-Notify Message Hook]";
const MAX_ID_BYTES = 200;
/** Four lines and one of JSON: anything much larger is not a hook. */
const MAX_HOOK_BYTES = 16 * 1024;
/** A hook file named by the user (`--hook FILE`, `hook import`): a pipe is fine. */
const readHookText = async (path: string) =>
  (await readSmallFile(path, { maxBytes: MAX_HOOK_BYTES, allowPipe: true })).text;
/** A hook in the store, which may be a shared directory: only a regular file of ours. */
const readStoredHook = async (path: string) => (await readStateFile(path, MAX_HOOK_BYTES)).text;

/** An id names a file in the hook store: it must never reach outside it. */
export function validateId(id: string): string {
  const problem =
    id.length === 0
      ? "is empty"
      : Buffer.byteLength(id) > MAX_ID_BYTES
        ? `is longer than ${MAX_ID_BYTES} bytes`
        : /[/\\]/.test(id)
          ? "contains a slash"
          : id.includes("..")
            ? 'contains ".."'
            : id.startsWith(".")
              ? 'starts with "."'
              : /[\p{Cc}]/u.test(id)
                ? "contains a control character"
                : undefined;
  if (problem) {
    throw new UsageError(`invalid message id ${JSON.stringify(id)}: it ${problem}`, {
      hint: "an id is a name like `train-42` or `job.123`, not a path",
    });
  }
  return id;
}

/** The seed's four lines, plus one line of JSON with what the seed lacks. */
export function formatHook(hook: MessageHook): string {
  const lines = [HEADER, hook.id, hook.channelId, hook.postId];
  const extra: Record<string, string> = {};
  if (hook.server) extra.server = hook.server;
  if (hook.rootId) extra.root_id = hook.rootId;
  if (hook.createdAt) extra.created_at = hook.createdAt;
  if (Object.keys(extra).length > 0) lines.push(JSON.stringify(extra));
  return lines.join("\n");
}

export function parseHook(text: string, source: string): MessageHook {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== HEADER) {
    throw new UsageError(`${source} is not a message hook file: its first line is not ${HEADER}`);
  }
  const [id, channelId, postId] = lines.slice(1, 4).map((line) => line.trim());
  // The ids go into request paths and onto the terminal: a line of anything else is no hook.
  if (!id || !isId(channelId) || !isId(postId)) {
    throw new UsageError(`${source} is not a complete message hook: it needs an id, a channel id and a post id`, {
      hint: "a hook file has four lines: the header, the id, the channel id and the post id",
    });
  }
  // Any id the Python package wrote: only a hook store on disk needs it to name a file.
  const hook: MessageHook = { id, channelId: channelId!, postId: postId! };
  const extra = parseExtra(lines[4]);
  if (typeof extra.server === "string") hook.server = printable(extra.server, 300);
  if (isId(extra.root_id)) hook.rootId = extra.root_id;
  if (typeof extra.created_at === "string") hook.createdAt = printable(extra.created_at, 40);
  return hook;
}

function parseExtra(line: string | undefined): Record<string, unknown> {
  if (!line?.trim().startsWith("{")) return {};
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function readHookFile(path: string): Promise<MessageHook> {
  let text: string;
  try {
    text = await readHookText(path);
  } catch (error) {
    throw new UsageError(`cannot read hook file ${path}: ${errnoText(error)}`);
  }
  return parseHook(text, path);
}

/** Atomic: a reader, or a second writer of the same id, never sees half a file. */
export async function writeHookFile(path: string, hook: MessageHook): Promise<void> {
  try {
    await writeFileAtomic(path, formatHook(hook));
  } catch (code) {
    throw new UsageError(`cannot write hook file ${path}: ${errnoText(code)}`);
  }
}

/** Where hooks are kept by id. The library keeps them in memory, the CLI on disk. */
export interface HookStore {
  get(id: string): Promise<MessageHook | undefined>;
  set(hook: MessageHook): Promise<void>;
  delete(id: string): Promise<boolean>;
  list(): Promise<MessageHook[]>;
  /**
   * Hold the id alone until the returned function is called: the sends and edits of one id
   * by many processes at once (array tasks, parallel steps) then make one message, not many.
   */
  lock?(id: string): Promise<Release>;
}

export class MemoryHookStore implements HookStore {
  readonly #hooks = new Map<string, MessageHook>();
  readonly #locks = new Map<string, Promise<void>>();

  async lock(id: string): Promise<Release> {
    const before = this.#locks.get(id) ?? Promise.resolve();
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chain = before.then(() => mine);
    this.#locks.set(id, chain);
    await before;
    return async () => {
      release();
      if (this.#locks.get(id) === chain) this.#locks.delete(id);
    };
  }

  async get(id: string) {
    return this.#hooks.get(id);
  }
  async set(hook: MessageHook) {
    this.#hooks.set(hook.id, hook);
  }
  async delete(id: string) {
    return this.#hooks.delete(id);
  }
  async list() {
    return [...this.#hooks.values()];
  }
}

/**
 * One file per id, in the seed's format; on clusters the home directory is shared between
 * nodes. The file's name is the id: a file copied in by hand under another name than the
 * id inside it is found by its name, as `hook list` shows it.
 */
export class DirectoryHookStore implements HookStore {
  constructor(readonly dir: string) {}

  #path(id: string): string {
    return joinPath(this.dir, `${validateId(id)}.msg`);
  }

  async get(id: string) {
    const path = this.#path(id);
    let text: string;
    try {
      text = await readStoredHook(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      const planted = error instanceof FileRefused || (error as NodeJS.ErrnoException).code === "ELOOP";
      throw new UsageError(
        `cannot read hook ${path}: ${errnoText(error)}`,
        planted ? { hint: "set MMN_HOOK_DIR to a directory only you can write, or remove that file" } : {},
      );
    }
    return { ...parseHook(text, path), id };
  }

  async set(hook: MessageHook) {
    await this.#makeDir();
    await writeHookFile(this.#path(hook.id), hook);
  }

  async lock(id: string): Promise<Release> {
    const path = `${this.#path(id)}.lock`;
    await this.#makeDir();
    try {
      return await lockFile(path);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot lock message id ${JSON.stringify(id)} (${path}): ${errnoText(error)}`, {
        hint: "set MMN_HOOK_DIR to a directory you can write",
      });
    }
  }

  async #makeDir(): Promise<void> {
    try {
      await (await fs()).mkdir(this.dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new UsageError(`cannot create the hook directory ${this.dir}: ${errnoText(error)}`, {
        hint: "set MMN_HOOK_DIR to a directory you can write",
      });
    }
  }

  async delete(id: string) {
    const path = this.#path(id);
    try {
      await (await fs()).rm(path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  async list() {
    let names: string[];
    try {
      names = await (await fs()).readdir(this.dir);
    } catch {
      return [];
    }
    const hooks: MessageHook[] = [];
    for (const name of names.filter((n) => n.endsWith(".msg")).sort()) {
      try {
        const id = validateId(name.slice(0, -".msg".length));
        hooks.push({ ...parseHook(await readStoredHook(joinPath(this.dir, name)), name), id });
      } catch {
        // A foreign or broken file in the store must not hide the others.
      }
    }
    return hooks;
  }
}

/** `$MMN_HOOK_DIR`, else `$XDG_STATE_HOME/mmn/hooks`, else `~/.local/state/mmn/hooks`. */
export function defaultHookDir(env: Record<string, string | undefined> = process.env, home = homeDir()): string {
  if (env.MMN_HOOK_DIR) return env.MMN_HOOK_DIR;
  const state = env.XDG_STATE_HOME || joinPath(home, ".local", "state");
  return joinPath(state, "mmn", "hooks");
}
