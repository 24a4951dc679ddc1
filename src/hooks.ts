import { writeFileAtomic } from "./atomic.ts";
import { errnoText, fs, homeDir, joinPath } from "./disk.ts";
import { UsageError } from "./errors.ts";
import { lockFile } from "./hook-lock.ts";
import { isId } from "./mattermost/shapes.ts";
import { printable } from "./printable.ts";
import { FileRefused, readSmallFile, readStateFile } from "./read-file.ts";

/** Where a sent message lives, so that it can be edited later, from any process. */
export interface MessageHook {
  /** The name the message is known by (`--id`, `{ id }`). */
  id: string;
  /** The channel the post is in. */
  channelId: string;
  /** The post itself. */
  postId: string;
  /** Server URL the post lives on (mmn's fifth line; absent in the files of Mattermost Notify (Python)). */
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

/** The four lines of Mattermost Notify (Python), plus one line of JSON with what they lack. */
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

/**
 * Where hooks are kept by id: the library keeps them in memory, the CLI on disk. A program may
 * plug in its own (a database, a key-value store) as `new Notify({ hooks })`.
 *
 * @example
 * ```ts
 * const client = new Notify({ url, token, hooks: new DirectoryHookStore(defaultHookDir()) });
 * ```
 */
export interface HookStore {
  /** The hook known by this id, or undefined. */
  get(id: string): Promise<MessageHook | undefined>;
  /** Keep the hook under its id, replacing one kept before. */
  set(hook: MessageHook): Promise<void>;
  /** Forget the id; whether there was a hook under it. */
  delete(id: string): Promise<boolean>;
  /** Every hook kept. */
  list(): Promise<MessageHook[]>;
  /**
   * Hold the id alone until the returned function is called: the sends and edits of one id
   * by many processes at once (array tasks, parallel steps) then make one message, not many.
   */
  lock?(id: string): Promise<() => Promise<void>>;
}

/**
 * Hooks in this process's memory, as the Python package Mattermost Notify (Python) keeps them:
 * the default store of `new Notify()`.
 *
 * @example
 * ```ts
 * const hooks = new MemoryHookStore();
 * const client = new Notify({ url, token, hooks });
 * ```
 */
export class MemoryHookStore implements HookStore {
  readonly #hooks = new Map<string, MessageHook>();
  readonly #locks = new Map<string, Promise<void>>();

  /** {@inheritDoc HookStore.lock} */
  async lock(id: string): Promise<() => Promise<void>> {
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

  /** {@inheritDoc HookStore.get} */
  async get(id: string): Promise<MessageHook | undefined> {
    return this.#hooks.get(id);
  }
  /** {@inheritDoc HookStore.set} */
  async set(hook: MessageHook): Promise<void> {
    this.#hooks.set(hook.id, hook);
  }
  /** {@inheritDoc HookStore.delete} */
  async delete(id: string): Promise<boolean> {
    return this.#hooks.delete(id);
  }
  /** {@inheritDoc HookStore.list} */
  async list(): Promise<MessageHook[]> {
    return [...this.#hooks.values()];
  }
}

/**
 * One file per id, in the format of Mattermost Notify (Python), as the CLI keeps them; on
 * clusters the home directory is shared between nodes. The file's name is the id: a file copied
 * in by hand under another name than the id inside it is found by its name, as `hook list`
 * shows it. Ids must name a file (no `/`, no `..`); sends of one id by many processes at once
 * take turns through a lock file beside the hook.
 *
 * @example
 * ```ts
 * // Share hooks with the CLI: `mmn update --id nightly` finds what this program sent.
 * const client = new Notify({ url, token, hooks: new DirectoryHookStore(defaultHookDir()) });
 * ```
 */
export class DirectoryHookStore implements HookStore {
  /** @param dir - the directory the hooks are kept in, made (mode 0700) when the first is written. */
  constructor(
    /** The directory the hooks are kept in. */
    readonly dir: string,
  ) {}

  #path(id: string): string {
    return joinPath(this.dir, `${validateId(id)}.msg`);
  }

  /**
   * {@inheritDoc HookStore.get}
   * @throws {@link UsageError} for an id that cannot name a file, or a hook file that is not
   *   the user's own (another user's, writable by others, a symlink).
   */
  async get(id: string): Promise<MessageHook | undefined> {
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

  /**
   * {@inheritDoc HookStore.set}
   * @throws {@link UsageError} when the directory or the file cannot be written.
   */
  async set(hook: MessageHook): Promise<void> {
    await this.#makeDir();
    await writeHookFile(this.#path(hook.id), hook);
  }

  /**
   * {@inheritDoc HookStore.lock}
   * @throws {@link UsageError} when the lock file cannot be made.
   */
  async lock(id: string): Promise<() => Promise<void>> {
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

  /** {@inheritDoc HookStore.delete} */
  async delete(id: string): Promise<boolean> {
    const path = this.#path(id);
    try {
      await (await fs()).rm(path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  /** Every hook kept; a foreign or broken file is left out. */
  async list(): Promise<MessageHook[]> {
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

/**
 * The CLI's hook directory: `$MMN_HOOK_DIR`, else `$XDG_STATE_HOME/mmn/hooks`, else
 * `~/.local/state/mmn/hooks`.
 *
 * @example
 * ```ts
 * new DirectoryHookStore(defaultHookDir());
 * ```
 */
export function defaultHookDir(env: Record<string, string | undefined> = process.env, home = homeDir()): string {
  if (env.MMN_HOOK_DIR) return env.MMN_HOOK_DIR;
  const state = env.XDG_STATE_HOME || joinPath(home, ".local", "state");
  return joinPath(state, "mmn", "hooks");
}
