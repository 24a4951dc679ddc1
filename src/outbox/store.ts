import { writeFileAtomic } from "../base/atomic.ts";
import { errnoText, fs, homeDir, joinPath } from "../base/disk.ts";
import { pidAlive } from "../base/pid.ts";
import { readStateFile } from "../base/read-file.ts";
import type { UploadFile } from "../client/files.ts";
import { chainOf, type Entry, parseEntry } from "./entry.ts";

/** An outbox's default bound: entries and the files they keep, per host. */
const MAX_BYTES = 64 * 1024 * 1024;
/** A claim held longer than this is taken back: its deliverer is gone (a node that died), or stuck. */
const CLAIM_LEASE_MS = 15 * 60 * 1000;
/** One entry's text (its message and props): a post's text is far below. */
const MAX_ENTRY_BYTES = 1024 * 1024;

/** A queued entry as listed: where it is, which post it belongs to, and when it was kept. */
export interface Listed {
  host: string;
  name: string;
  chain: string;
  stamp: number;
}

let sequence = 0;

/**
 * The user's outbox on the shared home: one folder per host, each entry a file named after
 * when it was kept and the post it belongs to (`<ms>-<pid>-<n>.<post>.json`), written
 * atomically, 0600 in 0700 folders. A deliverer claims an entry by renaming it into
 * `claimed/`: of two deliverers, one rename succeeds. Posts made are mapped from their
 * stand-in in `posted/`, shared by all hosts.
 */
export class Outbox {
  constructor(
    readonly root: string,
    readonly host: string,
    readonly maxBytes = MAX_BYTES,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  dir(host = this.host): string {
    return joinPath(this.root, host);
  }

  /** Keeps the entry (and copies of its files); false when the bound leaves no room for it. */
  async put(entry: Entry, files: readonly UploadFile[] = []): Promise<boolean> {
    const dir = this.dir();
    await this.#makeDirs(dir);
    const text = JSON.stringify(entry);
    if (text.length > MAX_ENTRY_BYTES) return false;
    if (entry.kind === "edit") await this.#coalesce(entry.target);
    let room = this.maxBytes - (await this.#used(dir)) - text.length;
    if (room < 0 && !(await this.#dropLiveEdits(-room))) return false;
    room = this.maxBytes - (await this.#used(dir)) - text.length;
    if (entry.kind === "post" && files.length) {
      entry.files = [];
      for (const [i, file] of files.entries()) {
        if (file.size > room) continue;
        const copy = `${entry.key}-${i}`;
        await writeFileAtomic(joinPath(dir, "files", copy), await readSlice(file));
        entry.files.push({ name: file.name, copy });
        room -= file.size;
      }
    }
    const stamp = `${String(Date.now()).padStart(14, "0")}-${process.pid}-${String(sequence++).padStart(6, "0")}`;
    await writeFileAtomic(joinPath(dir, `${stamp}.${chainOf(entry)}.json`), JSON.stringify(entry));
    return true;
  }

  /** The hosts whose outboxes are here. */
  async hosts(): Promise<string[]> {
    const names = await (await fs()).readdir(this.root).catch(() => [] as string[]);
    return names.filter((name) => name !== "posted").sort();
  }

  /** Entries waiting (not claimed), oldest first, across the given hosts. */
  async list(hosts: readonly string[]): Promise<Listed[]> {
    const all: Listed[] = [];
    for (const host of hosts) {
      const names = await (await fs()).readdir(this.dir(host)).catch(() => [] as string[]);
      for (const name of names) {
        const listed = parseName(host, name);
        if (listed) all.push(listed);
      }
    }
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * The chains with an entry claimed by someone (and by whom, `host@pid`), and the claims whose claimer is gone: a
   * process of this host that is no more, or any claim older than the lease (a node that died).
   */
  async claims(
    host: string,
  ): Promise<{ chains: Set<string>; stale: string[]; by: Map<string, Listed & { claimer: string }> }> {
    const disk = await fs();
    const dir = joinPath(this.dir(host), "claimed");
    const names = await disk.readdir(dir).catch(() => [] as string[]);
    const chains = new Set<string>();
    const stale: string[] = [];
    const by = new Map<string, Listed & { claimer: string }>();
    for (const name of names) {
      const [entry = "", claimer = ""] = name.split("~");
      const [claimHost, pid] = claimer.split("@");
      // Its time is set when it is claimed.
      const claimedAt = (await disk.lstat(joinPath(dir, name)).catch(() => undefined))?.mtimeMs ?? Date.now();
      const dead = claimHost === this.host && pid && !pidAlive(Number(pid));
      if (dead || Date.now() - claimedAt > CLAIM_LEASE_MS) stale.push(name);
      else {
        const listed = parseName(host, entry);
        chains.add(listed?.chain ?? "");
        if (listed && !by.has(listed.chain)) by.set(listed.chain, { ...listed, claimer });
      }
    }
    return { chains, stale, by };
  }

  /** Puts back a claim whose claimer died: its post may have been made, and is looked up before it is sent again. */
  async reclaim(host: string, claimName: string): Promise<void> {
    const [name = ""] = claimName.split("~");
    const listed = parseName(host, name);
    const path = joinPath(this.dir(host), "claimed", claimName);
    const read = await readStateFile(path, MAX_ENTRY_BYTES).catch(() => undefined);
    if (listed && read) await this.retry(listed, path, parseEntry(read.text));
  }

  /** Gives a claimed entry back marked as tried: a post an attempt may have made is looked up first. */
  async retry(listed: Listed, path: string, entry: Entry): Promise<void> {
    if (entry.kind !== "post") return this.unclaim(listed, path);
    await writeFileAtomic(joinPath(this.dir(listed.host), listed.name), JSON.stringify({ ...entry, tried: true }));
    await (await fs()).rm(path, { force: true });
  }

  /** The entry, claimed for this process; undefined when another deliverer took it first, or it was refused. */
  async claim(listed: Listed, warn = this.warn): Promise<{ entry: Entry; path: string } | undefined> {
    const dir = this.dir(listed.host);
    const path = joinPath(dir, "claimed", `${listed.name}~${this.host}@${process.pid}`);
    const disk = await fs();
    await disk.mkdir(joinPath(dir, "claimed"), { mode: 0o700 }).catch(() => {});
    try {
      await disk.rename(joinPath(dir, listed.name), path);
    } catch {
      return undefined;
    }
    // The lease counts from now: a file keeps the time it was written through a rename.
    const now = new Date();
    await disk.utimes(path, now, now).catch(() => {});
    try {
      const { text } = await readStateFile(path, MAX_ENTRY_BYTES);
      return { entry: parseEntry(text), path };
    } catch (error) {
      warn(`outbox: ${joinPath(dir, listed.name)} refused (${errnoText(error)}): not sent; remove it`);
      await disk.rename(path, joinPath(dir, `${listed.name}.refused`)).catch(() => {});
      return undefined;
    }
  }

  /**
   * Whether an older entry of the listed one's post is still waiting or claimed by another
   * deliverer, on any of these hosts: then the listed one must not go first. A deliverer's
   * list is a moment old when it claims; another may have claimed the older one meanwhile.
   */
  async hasOlder(listed: Listed, hosts: readonly string[]): Promise<boolean> {
    const disk = await fs();
    const mine = `~${this.host}@${process.pid}`;
    for (const host of hosts)
      for (const sub of ["", "claimed"]) {
        const names = await disk.readdir(joinPath(this.dir(host), sub)).catch(() => [] as string[]);
        for (const name of names) {
          if (sub && name.endsWith(mine)) continue;
          const other = parseName(host, sub ? (name.split("~")[0] ?? "") : name);
          if (other?.chain === listed.chain && other.name < listed.name) return true;
        }
      }
    return false;
  }

  /** Gives a claimed entry back, to be sent by a later delivery. */
  async unclaim(listed: Listed, path: string): Promise<void> {
    await (await fs()).rename(path, joinPath(this.dir(listed.host), listed.name));
  }

  /** The entry was sent: gone, with its files. */
  async done(listed: Listed, path: string, entry: Entry): Promise<void> {
    const disk = await fs();
    if (entry.kind === "post")
      for (const file of entry.files ?? [])
        await disk.rm(joinPath(this.dir(listed.host), "files", file.copy), { force: true });
    await disk.rm(path, { force: true });
  }

  /** Where a kept file is. */
  fileOf(host: string, copy: string): string {
    return joinPath(this.dir(host), "files", copy);
  }

  /** The post a stand-in became, once sent. */
  async posted(standIn: string): Promise<{ id: string; channel_id: string; root_id: string } | undefined> {
    try {
      const { text } = await readStateFile(joinPath(this.root, "posted", standIn), 4096);
      return JSON.parse(text) as { id: string; channel_id: string; root_id: string };
    } catch {
      return undefined;
    }
  }

  async remember(standIn: string, post: { id: string; channel_id: string; root_id: string }): Promise<void> {
    const dir = joinPath(this.root, "posted");
    await (await fs()).mkdir(dir, { recursive: true, mode: 0o700 });
    const { id, channel_id, root_id } = post;
    await writeFileAtomic(joinPath(dir, standIn), JSON.stringify({ id, channel_id, root_id }));
  }

  /** A post's live edit replaces the one waiting before it: only its latest state is worth sending. */
  async #coalesce(target: string): Promise<void> {
    for (const listed of await this.list([this.host]))
      if (listed.chain === target && listed.name.endsWith(".json")) {
        const path = joinPath(this.dir(), listed.name);
        const entry = await readStateFile(path, MAX_ENTRY_BYTES)
          .then(({ text }) => parseEntry(text))
          .catch(() => undefined);
        if (entry?.kind === "edit") await (await fs()).rm(path, { force: true });
      }
  }

  /** Room made by dropping the oldest live edits, never a final one nor a post; whether enough was made. */
  async #dropLiveEdits(bytes: number): Promise<boolean> {
    let freed = 0;
    for (const listed of await this.list([this.host])) {
      if (freed >= bytes) break;
      const path = joinPath(this.dir(), listed.name);
      const read = await readStateFile(path, MAX_ENTRY_BYTES).catch(() => undefined);
      const entry = read && parseEntry(read.text);
      if (!read || entry?.kind !== "edit" || entry.final) continue;
      await (await fs()).rm(path, { force: true });
      freed += read.text.length;
    }
    return freed >= bytes;
  }

  async #used(dir: string): Promise<number> {
    const disk = await fs();
    let total = 0;
    for (const sub of [dir, joinPath(dir, "files")]) {
      const names = await disk.readdir(sub).catch(() => [] as string[]);
      for (const name of names) {
        const info = await disk.lstat(joinPath(sub, name)).catch(() => undefined);
        if (info?.isFile()) total += info.size;
      }
    }
    return total;
  }

  /** 0700 folders of our own: another user's folder or a link in their place is refused. */
  async #makeDirs(dir: string): Promise<void> {
    const disk = await fs();
    for (const path of [this.root, dir, joinPath(dir, "files"), joinPath(dir, "claimed")]) {
      await disk.mkdir(path, { recursive: true, mode: 0o700 });
      const info = await disk.lstat(path);
      const me = process.geteuid?.();
      if (!info.isDirectory() || (me !== undefined && info.uid !== me) || info.mode & 0o077)
        throw new Error(`${path} is not a folder of ours that only we can open`);
    }
  }
}

function parseName(host: string, name: string): Listed | undefined {
  const match = /^(\d{14})-\d+-\d+\.([a-z0-9]{26})\.json$/.exec(name);
  if (!match) return undefined;
  return { host, name, chain: match[2]!, stamp: Number(match[1]) };
}

async function readSlice(file: UploadFile): Promise<Uint8Array> {
  const handle = await (await fs()).open(file.path, "r");
  try {
    const buffer = new Uint8Array(file.size);
    const { bytesRead } = await handle.read(buffer, 0, file.size, file.offset ?? 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The outbox's folder: `$MMN_OUTBOX_DIR`, else `$XDG_STATE_HOME/mmn/outbox`, else
 * `~/.local/state/mmn/outbox`, beside the hooks on the shared home.
 */
export function defaultOutboxDir(env: Record<string, string | undefined> = process.env, home = homeDir()): string {
  if (env.MMN_OUTBOX_DIR) return env.MMN_OUTBOX_DIR;
  const state = env.XDG_STATE_HOME || joinPath(home, ".local", "state");
  return joinPath(state, "mmn", "outbox");
}
