import { errnoText, fs, homeDir, joinPath } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";
import { FileRefused } from "../base/read-file.ts";
import { type MessageHook, parseHook, readStoredHook, validateId, writeHookFile } from "./hook-file.ts";
import { lockFile } from "./hook-lock.ts";

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
