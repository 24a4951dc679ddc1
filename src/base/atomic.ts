import { errnoText, fs, joinPath, parentDir } from "./disk.ts";
import { FileRefused } from "./read-file.ts";

/**
 * Write a whole file through a temp file and a rename, mode 0600 from the first byte:
 * a reader, or a second writer of the same file (two nodes sharing $HOME), never sees
 * half a file, and a token is never briefly readable by others.
 * Throws the errno code (`EACCES`, `ENOSPC`…) or a `FileRefused` for the caller to word.
 */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  const file = await writeTarget(path);
  const temp = `${file}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const { rename, rm, writeFile } = await fs();
  try {
    // wx: a name planted in a shared directory is never opened, let alone followed.
    await writeFile(temp, text, { mode: 0o600, flag: "wx" });
    await rename(temp, file);
  } catch (error) {
    // Where the temp file could not be made, it cannot be removed either: the first error is the one to tell.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") await rm(temp, { force: true }).catch(() => {});
    throw error instanceof FileRefused ? error : ((error as NodeJS.ErrnoException).code ?? error);
  }
}

/**
 * The file a write of `path` replaces. A symlink of our own (a dotfile manager's ~/.mmnrc)
 * leads to the file it points to, a few levels deep. Another user's symlink is never
 * followed: resolving it ourselves would bypass the kernel's protected_symlinks, and a link
 * planted in a shared directory would have us replace ~/.bashrc. A FIFO or a device is no
 * file to write either.
 */
export async function writeTarget(path: string): Promise<string> {
  if (!path) throw new FileRefused("ENOTREG");
  const { lstat, readlink } = await fs();
  const me = process.geteuid?.();
  let current = path;
  for (let hops = 0; hops < 8; hops++) {
    const info = await lstat(current).catch(() => undefined);
    if (!info) return current;
    if (!info.isSymbolicLink()) {
      if (!info.isFile()) throw new FileRefused(info.isDirectory() ? "EISDIR" : "ENOTREG");
      return current;
    }
    if (me !== undefined && info.uid !== me) throw new FileRefused("EFOREIGNLINK", `uid ${info.uid}`);
    const target = await readlink(current);
    current = target.startsWith("/") ? target : joinPath(parentDir(current), target);
  }
  throw new FileRefused("ELOOP");
}

/**
 * Why a file could not be written (atomically, by a temp file and a rename, so what counts
 * is its directory), or undefined when it can. For checks before anything is sent.
 */
export async function unwritableReason(path: string): Promise<string | undefined> {
  if (!path) return "the file name is empty";
  let file: string;
  try {
    file = await writeTarget(path);
  } catch (error) {
    const words = errnoText(error);
    return words.startsWith("is ") ? `it ${words}` : `it is ${words}`;
  }
  const disk = await fs();
  const dir = parentDir(file);
  try {
    if (!(await disk.stat(dir)).isDirectory()) return `${dir} is ${errnoText("ENOTDIR")}`;
    await disk.access(dir, disk.constants.W_OK);
  } catch (error) {
    return `${dir}: ${errnoText(error)}`;
  }
  return undefined;
}
