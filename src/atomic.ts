import { fs, joinPath, parentDir } from "./disk.ts";

/**
 * Write a whole file through a temp file and a rename, mode 0600 from the first byte:
 * a reader, or a second writer of the same file (two nodes sharing $HOME), never sees
 * half a file, and a token is never briefly readable by others.
 * Throws the errno code (`EACCES`, `ENOSPC`…) for the caller to word.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const file = await linkTarget(path);
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const { rename, rm, writeFile } = await fs();
  try {
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    // Where the temp file could not be made, it cannot be removed either: the first error is the one to tell.
    await rm(temp, { force: true }).catch(() => {});
    throw (error as NodeJS.ErrnoException).code ?? error;
  }
}

/**
 * Where a symlink leads (a dotfile manager's ~/.mmnrc): the rename must replace the file it
 * points to, not the link. Followed a few levels, as far as it leads, even to a missing file.
 */
async function linkTarget(path: string): Promise<string> {
  const { lstat, readlink } = await fs();
  let current = path;
  for (let hops = 0; hops < 8; hops++) {
    const info = await lstat(current).catch(() => undefined);
    if (!info?.isSymbolicLink()) return current;
    const target = await readlink(current);
    current = target.startsWith("/") ? target : joinPath(parentDir(current), target);
  }
  return current;
}
