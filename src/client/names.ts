import { writeFileAtomic } from "../base/atomic.ts";
import { errnoText, fs, homeDir, joinPath, parentDir } from "../base/disk.ts";
import { FileRefused, readStateFile } from "../base/read-file.ts";

/** Thousands of names; a cache that grew past it is started again. */
const MAX_CACHE_BYTES = 1024 * 1024;

/**
 * Ids that names resolved to (a user's DM channel, a team's channel), so that a repeated
 * send to the same target costs one request. A stale entry costs one failed request: the
 * caller drops it and resolves again. A program may plug in its own as `new Notify({ names })`.
 *
 * @example
 * ```ts
 * const client = new Notify({ url, token, names: new FileNameCache(defaultNameCachePath()) });
 * ```
 */
export interface NameCache {
  /** The id a key (server, kind and name) resolved to, or undefined. */
  get(key: string): Promise<string | undefined>;
  /** Keep what the key resolved to. */
  set(key: string, id: string): Promise<void>;
  /** Forget the key: the server refused its id. */
  delete(key: string): Promise<void>;
}

/**
 * Resolved names in this process's memory: the default of `new Notify()`.
 *
 * @example
 * ```ts
 * const client = new Notify({ url, token, names: new MemoryNameCache() });
 * ```
 */
export class MemoryNameCache implements NameCache {
  readonly #entries = new Map<string, string>();
  /** {@inheritDoc NameCache.get} */
  async get(key: string): Promise<string | undefined> {
    return this.#entries.get(key);
  }
  /** {@inheritDoc NameCache.set} */
  async set(key: string, id: string): Promise<void> {
    this.#entries.set(key, id);
  }
  /** {@inheritDoc NameCache.delete} */
  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }
}

/**
 * One small JSON file in the state directory, as the CLI keeps it; a lost update only costs a
 * lookup later. A file that is not the user's own is ignored (with one warning), never written through.
 *
 * @example
 * ```ts
 * // Share resolved names with the CLI: a repeated send costs one request.
 * const client = new Notify({ url, token, names: new FileNameCache(defaultNameCachePath()) });
 * ```
 */
export class FileNameCache implements NameCache {
  #entries: Promise<Record<string, string>> | undefined;

  /**
   * @param path - the JSON file.
   * @param warn - hears of a cache someone else planted (a shared `XDG_STATE_HOME`): it is not used.
   */
  constructor(
    /** The JSON file. */
    readonly path: string,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /** Reads the file, once; call it early so that the first lookup does not wait. */
  async load(): Promise<void> {
    await this.#load();
  }

  #load(): Promise<Record<string, string>> {
    this.#entries ??= readStateFile(this.path, MAX_CACHE_BYTES, { byNameInOwnDir: true })
      .then(({ text }) => entriesOf(JSON.parse(text)))

      // Missing or broken: the names are looked up again.
      .catch((error: unknown) => {
        if (error instanceof FileRefused || (error as NodeJS.ErrnoException).code === "ELOOP")
          this.warn(`${this.path} is ignored: ${errnoText(error)}`);
        return {};
      });
    return this.#entries;
  }

  async #save(): Promise<void> {
    try {
      await (await fs()).mkdir(parentDir(this.path), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.path, JSON.stringify(await this.#load()));
    } catch {
      // A cache that cannot be written only makes the next send slower.
    }
  }

  /** {@inheritDoc NameCache.get} */
  async get(key: string): Promise<string | undefined> {
    return (await this.#load())[key];
  }
  /** Keep what the key resolved to; a file that cannot be written only makes the next send slower. */
  async set(key: string, id: string): Promise<void> {
    const entries = await this.#load();
    if (entries[key] === id) return;
    entries[key] = id;
    await this.#save();
  }
  /** {@inheritDoc NameCache.delete} */
  async delete(key: string): Promise<void> {
    const entries = await this.#load();
    if (!(key in entries)) return;
    delete entries[key];
    await this.#save();
  }
}

/** Names to ids, and nothing else: a cache that is not ours to trust holds no other shape. */
function entriesOf(parsed: unknown): Record<string, string> {
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
  // A loop: Object.fromEntries and filter would be two of JavaScriptCore's builtins first called on every send.
  const entries: Record<string, string> = {};
  for (const [name, id] of Object.entries(parsed)) if (typeof id === "string") entries[name] = id;
  return entries;
}

/**
 * The CLI's name cache: `$XDG_STATE_HOME/mmn/names.json`, else `~/.local/state/mmn/names.json`.
 *
 * @example
 * ```ts
 * new FileNameCache(defaultNameCachePath());
 * ```
 */
export function defaultNameCachePath(env: Record<string, string | undefined> = process.env, home = homeDir()): string {
  return joinPath(env.XDG_STATE_HOME || joinPath(home, ".local", "state"), "mmn", "names.json");
}
