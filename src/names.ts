import { writeFileAtomic } from "./atomic.ts";
import { fs, homeDir, joinPath, parentDir } from "./disk.ts";
import { readSmallFile } from "./read-file.ts";

/** Thousands of names; a cache that grew past it is started again. */
const MAX_CACHE_BYTES = 1024 * 1024;

/**
 * Ids that names resolved to (a user's DM channel, a team's channel), so that a repeated
 * send to the same target costs one request. A stale entry costs one failed request: the
 * caller drops it and resolves again.
 */
export interface NameCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, id: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export class MemoryNameCache implements NameCache {
  readonly #entries = new Map<string, string>();
  async get(key: string) {
    return this.#entries.get(key);
  }
  async set(key: string, id: string) {
    this.#entries.set(key, id);
  }
  async delete(key: string) {
    this.#entries.delete(key);
  }
}

/** One small JSON file in the state directory; a lost update only costs a lookup later. */
export class FileNameCache implements NameCache {
  #entries: Promise<Record<string, string>> | undefined;

  constructor(readonly path: string) {}

  /** Reads the file, once; call it early so that the first lookup does not wait. */
  async load(): Promise<void> {
    await this.#load();
  }

  #load(): Promise<Record<string, string>> {
    // The user's own state directory: the file is read while it is looked at, one round trip
    // to Bun's I/O threads instead of two before a send's request.
    this.#entries ??= readSmallFile(this.path, { maxBytes: MAX_CACHE_BYTES, own: true })
      .then(({ text }) => {
        const parsed: unknown = JSON.parse(text);
        return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
      })
      // Missing or broken: the names are looked up again.
      .catch(() => ({}));
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

  async get(key: string) {
    return (await this.#load())[key];
  }
  async set(key: string, id: string) {
    const entries = await this.#load();
    if (entries[key] === id) return;
    entries[key] = id;
    await this.#save();
  }
  async delete(key: string) {
    const entries = await this.#load();
    if (!(key in entries)) return;
    delete entries[key];
    await this.#save();
  }
}

/** `$XDG_STATE_HOME/mmn/names.json`, else `~/.local/state/mmn/names.json`. */
export function defaultNameCachePath(env: Record<string, string | undefined> = process.env, home = homeDir()): string {
  return joinPath(env.XDG_STATE_HOME || joinPath(home, ".local", "state"), "mmn", "names.json");
}
