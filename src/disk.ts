/**
 * The library's only way to the file system and to paths. Node's builtins are loaded on
 * first use, not imported: in the compiled binary every builtin a module imports is
 * loaded when that module is (node:fs 4.6 ms, node:fs/promises 3.3, node:path 2.3,
 * node:os 1.0, measured), and `mmn send` to a cached name needs none of them, because
 * Bun reads files natively.
 */
import { ConfigError } from "./errors.ts";

type FsPromises = typeof import("node:fs/promises");

let fsPromises: Promise<FsPromises> | undefined;

/** node:fs/promises, for what is not on the path of a plain send: writes, listings, uploads. */
export const fs = (): Promise<FsPromises> => (fsPromises ??= import("node:fs/promises"));

/** What is used of Bun's API, typed here: the library's declarations are for Node too. */
interface BunFiles {
  file(path: string): { text(): Promise<string>; stat(): Promise<{ mode: number; isFile(): boolean }> };
}
const bun = (globalThis as unknown as { Bun?: BunFiles }).Bun;

/** A whole text file; rejects with the errno `code` (`ENOENT`, `EISDIR`, `EACCES`) as node:fs does. */
export async function readText(path: string): Promise<string> {
  return bun ? bun.file(path).text() : (await fs()).readFile(path, "utf8");
}

/** The permission bits of a file, or undefined when it cannot be looked at. */
export async function modeOf(path: string): Promise<number | undefined> {
  try {
    return (bun ? await bun.file(path).stat() : await (await fs()).stat(path)).mode;
  } catch {
    return undefined;
  }
}

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file size limit reached (ulimit -f)",
  EROFS: "read-only file system",
};

/** What an errno code (`EACCES`) means, for the codes a file operation of ours meets. */
export const errnoWords = (code: string | undefined): string | undefined => (code ? ERRNO_WORDS[code] : undefined);

/** An errno code or an error carrying one, in words when they are known. */
export function errnoText(error: unknown): string {
  const code = typeof error === "string" ? error : (error as NodeJS.ErrnoException | undefined)?.code;
  return errnoWords(code) ?? code ?? String(error);
}

/**
 * Why a file could not be written (atomically, by a temp file and a rename, so what counts
 * is its directory), or undefined when it can. For checks before anything is sent.
 */
export async function unwritableReason(path: string): Promise<string | undefined> {
  const disk = await fs();
  const info = await disk.stat(path).catch(() => undefined);
  if (info?.isDirectory()) return `it ${errnoText("EISDIR")}`;
  const dir = parentDir(path);
  try {
    if (!(await disk.stat(dir)).isDirectory()) return `${dir} is ${errnoText("ENOTDIR")}`;
    await disk.access(dir, disk.constants.W_OK);
  } catch (error) {
    return `${dir}: ${errnoText(error)}`;
  }
  return undefined;
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (bun ? await bun.file(path).stat() : await (await fs()).stat(path)).isFile();
  } catch {
    return false;
  }
}

/** `~`: `$HOME` as every shell sees it; the password database only when it is unset. */
export function homeDir(): string {
  // getBuiltinModule is missing before Node 20.16.
  const home = process.env.HOME || process.getBuiltinModule?.("node:os").homedir();
  if (!home) throw new ConfigError("cannot find the home directory: HOME is not set");
  return home;
}

/*
 * POSIX paths, as on the machines mmn is for (Linux and macOS), without node:path.
 */

export const joinPath = (...parts: string[]): string => parts.join("/").replace(/\/{2,}/g, "/");

export function parentDir(path: string): string {
  const trimmed = path.replace(/(.)\/+$/, "$1");
  const slash = trimmed.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : trimmed.slice(0, slash);
}

export const baseName = (path: string): string => path.replace(/(.)\/+$/, "$1").split("/").pop()!;

/** `path` as seen from `cwd`, the way a shell resolves it. */
export const resolvePath = (cwd: string, path: string): string => (path.startsWith("/") ? path : joinPath(cwd, path));
