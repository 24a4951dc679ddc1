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
  file(path: string): { stat(): Promise<{ isFile(): boolean }>; exists(): Promise<boolean> };
}
const bun = (globalThis as unknown as { Bun?: BunFiles }).Bun;

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
  ELOOP: "a symlink where none may be",
  ENOTREG: "not a regular file",
};

/** What an errno code (`EACCES`) means, for the codes a file operation of ours meets. */
export const errnoWords = (code: string | undefined): string | undefined => (code ? ERRNO_WORDS[code] : undefined);

/** Refusals of read-file.ts that need their detail to be understood. */
const DETAILED: Record<string, (detail: string) => string> = {
  ETOOBIG: (bytes) => `larger than ${bytes} bytes: is it the right file?`,
  EFOREIGN: (owner) => `owned by another user (${owner})`,
  EFOREIGNLINK: (owner) => `a symlink owned by another user (${owner})`,
  EWRITABLE: (mode) => `writable by other users (mode ${mode})`,
};

/** An errno code or an error carrying one, in words when they are known. */
export function errnoText(error: unknown): string {
  const code = typeof error === "string" ? error : (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = (error as { detail?: unknown } | undefined)?.detail;
  if (code && DETAILED[code] && typeof detail === "string") return DETAILED[code](detail);
  return errnoWords(code) ?? code ?? String(error);
}

/** Whether anything is there (a symlink: where it leads). */
export async function exists(path: string): Promise<boolean> {
  try {
    await (bun ? bun.file(path).stat() : (await fs()).stat(path));
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether something other than a directory is there (a symlink: where it leads). Bun looks on
 * this thread, at once: a stat through its I/O threads costs ~0.4 ms the first time, and most
 * of the configuration files a send looks for are not there.
 */
export async function fileThere(path: string): Promise<boolean> {
  if (bun) return bun.file(path).exists();
  try {
    return !(await (await fs()).stat(path)).isDirectory();
  } catch {
    return false;
  }
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

export function joinPath(...parts: string[]): string {
  const joined = parts.join("/");
  // A pattern is compiled to machine code at its first use (~35 us, on every send): only when needed.
  return joined.includes("//") ? joined.replace(/\/{2,}/g, "/") : joined;
}

export function parentDir(path: string): string {
  const trimmed = path.endsWith("/") ? path.replace(/(.)\/+$/, "$1") : path;
  const slash = trimmed.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : trimmed.slice(0, slash);
}

export const baseName = (path: string): string =>
  path
    .replace(/(.)\/+$/, "$1")
    .split("/")
    .pop()!;

/** `path` as seen from `cwd`, the way a shell resolves it. */
export const resolvePath = (cwd: string, path: string): string => (path.startsWith("/") ? path : joinPath(cwd, path));
