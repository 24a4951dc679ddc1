/**
 * Reading the small files mmn trusts (configuration, token, hook, CA bundle) without
 * letting them hurt it: never more than a bound (`MMN_CONFIG=/dev/zero` reached 8 GB), and
 * never blocking on a FIFO or a device planted where a file was expected. Bun reads
 * natively, so the common case (the user's own files) loads no node:fs.
 */
import { fs, parentDir } from "./disk.ts";

/** Why a file was refused; `code` is an errno code or one of ours, worded by `errnoText`. */
export class FileRefused extends Error {
  constructor(
    readonly code: "ENOTREG" | "EISDIR" | "ELOOP" | "ETOOBIG" | "EFOREIGN" | "EFOREIGNLINK" | "EWRITABLE",
    readonly detail = "",
  ) {
    super(code);
  }
}

export interface FileFacts {
  mode: number;
  uid: number;
}

/** What the descriptor read from says: which file it was, and when it was last written. */
export interface StateFacts extends FileFacts {
  ino: number;
  mtimeMs: number;
}

export interface ReadOptions {
  maxBytes: number;
  /** A pipe is fine too (`--config <(…)`, `--token-file <(pass show …)`); a device never. */
  allowPipe?: boolean;
  /**
   * The user's own file (in their home directory): read while it is looked at, one round
   * trip to Bun's I/O threads instead of two on every send. A FIFO there is the user's own.
   */
  own?: boolean;
}

interface BunStat {
  mode: number;
  uid: number;
  size: number;
  ino: number;
  mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}
interface BunFileLike {
  stat(): Promise<BunStat>;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}
const bun = (globalThis as unknown as { Bun?: { file(path: string): BunFileLike } }).Bun;

/**
 * The text of a regular file (or a pipe, when allowed), at most `maxBytes`. Rejects with
 * the errno `code` (ENOENT, EACCES…) or a `FileRefused`.
 */
export async function readSmallFile(path: string, options: ReadOptions): Promise<{ text: string; facts: FileFacts }> {
  if (!bun) return readThroughFd(path, options, { follow: true });
  if (options.own) return readByName(bun, path, options.maxBytes);
  // Anywhere else (--config, a CA bundle, a token file in a group directory): one descriptor,
  // opened without waiting and checked by fstat, so that a FIFO swapped in after a look by name
  // cannot hold the command before it starts.
  return readThroughFd(path, options, { follow: true });
}

/**
 * A file in a place another user may control (the working directory): read only when it is
 * a regular file owned by us that nobody else can write, like ssh's StrictModes. A symlink
 * is followed only when it is ours too. Opened once and checked through that descriptor, so
 * nothing can be swapped in between the check and the read.
 */
export async function readOwnFile(path: string, options: ReadOptions): Promise<{ text: string; facts: FileFacts }> {
  const disk = await fs();
  const link = await disk.lstat(path);
  const me = process.geteuid?.();
  if (link.isSymbolicLink() && me !== undefined && link.uid !== me)
    throw new FileRefused("EFOREIGNLINK", `uid ${link.uid}`);
  const result = await readThroughFd(path, options, { follow: link.isSymbolicLink() });
  ownedByUs(result.facts);
  return result;
}

/**
 * A file mmn made for itself in its state or hook directory, which may be shared
 * (`XDG_STATE_HOME`, `MMN_HOOK_DIR` on a group directory): never through a symlink, never a
 * FIFO or a device, only our own and writable by nobody else, checked through the descriptor
 * it is read from. Anything else was planted.
 */
export async function readStateFile(
  path: string,
  maxBytes: number,
  how: {
    /**
     * In a directory only we can write, read by name, a link there being ours (the name cache,
     * on every send's way): see readInOwnDir. Elsewhere, or unasked, through the descriptor.
     */
    byNameInOwnDir?: boolean;
  } = {},
): Promise<{ text: string; facts: StateFacts }> {
  const byName = how.byNameInOwnDir && bun ? await readInOwnDir(bun, path, maxBytes) : undefined;
  const result = byName ?? (await readThroughFd(path, { maxBytes }, { follow: false }));
  ownedByUs(result.facts);
  return result;
}

/**
 * A state file in a directory that is ours and that nobody else can write (the default
 * ~/.local/state/mmn, made 0700): nobody else can put a link, a FIFO or another file in its
 * place, so once the directory is looked at, the file is read by name, natively (a link there
 * is the user's own, followed; the file it names is held to the same checks). Through a
 * descriptor and node:fs, the name cache cost every send 1.3-1.9 ms (four round trips to
 * Bun's I/O threads and node:fs/promises evaluated). Undefined when the directory is not such
 * a one: then the descriptor's checks decide.
 */
async function readInOwnDir(
  files: { file(path: string): BunFileLike },
  path: string,
  maxBytes: number,
): Promise<{ text: string; facts: StateFacts } | undefined> {
  const looked = files
    .file(parentDir(path))
    .stat()
    .catch(() => undefined);
  // In the user's home, whose files are trusted as ~/.mmnrc is, the file is read beside the look
  // at its directory: one round trip to Bun's I/O threads instead of two (~1.1 ms each, quiet).
  // Elsewhere a FIFO someone put there would hold a read begun before the look.
  const early = inHome(path) ? readByName(files, path, maxBytes) : undefined;
  early?.catch(() => {});
  if (!isOwnDir(await looked)) return undefined;
  return early ?? readByName(files, path, maxBytes);
}

/** A regular file by its name, natively: its facts and its bytes asked of Bun's I/O threads at once. */
async function readByName(
  files: { file(path: string): BunFileLike },
  path: string,
  maxBytes: number,
): Promise<{ text: string; facts: StateFacts }> {
  const file = files.file(path);
  const [info, data] = await Promise.all([file.stat(), file.slice(0, maxBytes + 1).arrayBuffer()]);
  if (!info.isFile()) throw new FileRefused("ENOTREG");
  const facts = { mode: info.mode, uid: info.uid, ino: info.ino, mtimeMs: info.mtimeMs };
  return { text: decode(new Uint8Array(data), maxBytes), facts };
}

function inHome(path: string): boolean {
  const home = process.env.HOME;
  return !!home && path.startsWith(home.endsWith("/") ? home : `${home}/`);
}

function isOwnDir(facts: BunStat | undefined): boolean {
  return facts?.isDirectory() === true && facts.uid === process.geteuid?.() && (facts.mode & 0o022) === 0;
}

/** Throws the refusal of a file another user owns or may write. */
export function ownedByUs(facts: FileFacts): void {
  const me = process.geteuid?.();
  if (me !== undefined && facts.uid !== me) throw new FileRefused("EFOREIGN", `uid ${facts.uid}`);
  if (facts.mode & 0o022) throw new FileRefused("EWRITABLE", (facts.mode & 0o777).toString(8).padStart(4, "0"));
}

async function readThroughFd(
  path: string,
  options: ReadOptions,
  how: { follow: boolean },
): Promise<{ text: string; facts: StateFacts }> {
  const disk = await fs();
  const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW, O_NOCTTY } = disk.constants;
  // O_NONBLOCK: opening a FIFO nobody writes to would wait for ever.
  const handle = await disk.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | (how.follow ? 0 : O_NOFOLLOW));
  try {
    const info = await handle.stat();
    const pipe = info.isFIFO() || info.isSocket();
    if (!info.isFile() && !(pipe && options.allowPipe)) throw new FileRefused("ENOTREG");
    // As large as the file says it is (a page at least: a pipe, /proc), grown up to the bound
    // if it grows meanwhile: the bound allocated whole zeroed 1 MiB on every send for a name
    // cache of a few hundred bytes.
    const bound = options.maxBytes + 1;
    let buffer = new Uint8Array(Math.min(bound, Math.max(info.size + 1, 4096)));
    let filled = 0;
    // A FIFO opened without waiting reads as ended until its writer opens it: wait a while for one.
    const writerBy = performance.now() + NO_WRITER_MS;
    while (filled < bound) {
      if (filled === buffer.length) {
        const larger = new Uint8Array(Math.min(bound, buffer.length * 2));
        larger.set(buffer);
        buffer = larger;
      }
      const { bytesRead } = await readSome(handle, buffer, filled, pipe);
      if (bytesRead === 0 && pipe && filled === 0 && performance.now() < writerBy) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const facts = { mode: info.mode, uid: info.uid, ino: info.ino, mtimeMs: info.mtimeMs };
    return { text: decode(buffer.subarray(0, filled), options.maxBytes), facts };
  } finally {
    await handle.close();
  }
}

/** How long a FIFO named as a file (`--token-file`, a hook) is given to find its writer. */
const NO_WRITER_MS = 5000;

type Handle = Awaited<ReturnType<Awaited<ReturnType<typeof fs>>["open"]>>;

/** A pipe opened without blocking answers EAGAIN while its writer is still on the way. */
async function readSome(
  handle: Handle,
  buffer: Uint8Array,
  offset: number,
  pipe: boolean,
): Promise<{ bytesRead: number }> {
  for (let waitMs = 1; ; waitMs = Math.min(waitMs * 2, 50)) {
    try {
      return await handle.read(buffer, offset, buffer.length - offset, pipe ? null : offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN" || !pipe) throw error;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

function decode(bytes: Uint8Array, maxBytes: number): string {
  if (bytes.length > maxBytes) throw new FileRefused("ETOOBIG", String(maxBytes));
  return new TextDecoder().decode(bytes);
}
