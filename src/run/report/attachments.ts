/**
 * `--attach GLOB`: what the job made, on the final reply. Matched when the command has
 * ended, in the directory it ran in. A file of someone else's symlink is not attached (a link
 * planted in a shared directory would send a secret of the user's to Mattermost), nor one
 * larger than the server takes: either is a note, and the rest goes.
 */
import { lstat, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { type FileInput, formatBytes } from "../../files.ts";
import { literal } from "./fence.ts";

/** More would be a flood in a thread, not a result. */
const MAX_FILES = 50;

export interface Attachments {
  files: Array<FileInput & { size: number }>;
  /** What was left out, and why, for the reply. */
  notes: string[];
}

export async function collectAttachments(
  globs: readonly string[],
  cwd: string,
  maxFileSize: number | undefined,
): Promise<Attachments> {
  const files: Attachments["files"] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const me = process.geteuid?.();
  for (const pattern of globs) {
    let matched = 0;
    for await (const relative of new Bun.Glob(pattern).scan({
      cwd,
      onlyFiles: false,
      followSymlinks: false,
      dot: false,
    })) {
      const path = resolve(cwd, relative);
      if (seen.has(path)) continue;
      seen.add(path);
      const link = await lstat(path).catch(() => undefined);
      if (!link || link.isDirectory()) continue;
      matched++;
      if (link.isSymbolicLink() && me !== undefined && link.uid !== me) {
        notes.push(`${literal(relative)}: a symlink of another user's, not attached`);
        continue;
      }
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      if (maxFileSize !== undefined && info.size > maxFileSize) {
        notes.push(
          `${literal(relative)} (${formatBytes(info.size)}) is larger than the server takes (${formatBytes(maxFileSize)}): not attached`,
        );
        continue;
      }
      if (files.length >= MAX_FILES) {
        notes.push(`${literal(relative)} and the files after it: not attached (at most ${MAX_FILES})`);
        break;
      }
      files.push({ path, name: basename(path), size: info.size });
    }
    if (matched === 0) notes.push(`nothing matched ${literal(pattern)}`);
  }
  return { files, notes };
}
