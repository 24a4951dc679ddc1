/**
 * `--attach GLOB`: what the job made, on the final reply. Matched when the command has
 * ended, in the directory it ran in. A file reached through someone else's symlink is not
 * attached (a link planted in a shared directory would send a secret of the user's to
 * Mattermost), nor one larger than the server takes: either is a note, and the rest goes.
 * Each file is opened once, when it is checked, and uploaded from that descriptor.
 */
import { closeSync } from "node:fs";
import { basename, relative as relativeTo, resolve } from "node:path";
import { formatBytes } from "../../base/bytes.ts";
import { errnoText } from "../../base/disk.ts";
import type { FileInput } from "../../client/files.ts";
import { fdPath } from "../process/samefile.ts";
import { PathChecker } from "./checked-open.ts";
import { literal } from "./fence.ts";

/** More would be a flood in a thread, not a result. */
const MAX_FILES = 50;

export interface Attachments {
  files: Array<FileInput & { size: number }>;
  /** What was left out, and why, for the reply. */
  notes: string[];
  /** The descriptors the files are read from: closed once the reply is out or given up. */
  close(): void;
}

export async function collectAttachments(
  globs: readonly string[],
  cwd: string,
  maxFileSize: number | undefined,
): Promise<Attachments> {
  const files: Attachments["files"] = [];
  const notes: string[] = [];
  const fds: number[] = [];
  const seen = new Set<string>();
  const links = new Set<string>();
  const checker = new PathChecker();
  const shown = (path: string) => {
    const inside = relativeTo(cwd, path);
    return inside && !inside.startsWith("..") ? inside : path;
  };
  for (const pattern of globs) {
    let matched = 0;
    try {
      for await (const relative of new Bun.Glob(pattern).scan({
        cwd,
        onlyFiles: false,
        followSymlinks: false,
        dot: false,
      })) {
        const path = resolve(cwd, relative);
        if (seen.has(path)) continue;
        seen.add(path);
        const opened = await checker.open(path);
        if ("skip" in opened) continue;
        matched++;
        if ("foreignLink" in opened) {
          // One note for a linked directory, however many of its files the glob named.
          if (links.has(opened.foreignLink)) continue;
          links.add(opened.foreignLink);
          const link = shown(opened.foreignLink);
          notes.push(
            link === relative
              ? `${literal(relative)}: a symlink of another user's, not attached`
              : `${literal(link)}: a symlink of another user's, nothing through it attached`,
          );
          continue;
        }
        if ("changed" in opened) {
          notes.push(`${literal(relative)}: changed while it was being attached, not attached`);
          continue;
        }
        if (maxFileSize !== undefined && opened.size > maxFileSize) {
          closeSync(opened.fd);
          notes.push(
            `${literal(relative)} (${formatBytes(opened.size)}) is larger than the server takes (${formatBytes(maxFileSize)}): not attached`,
          );
          continue;
        }
        if (files.length >= MAX_FILES) {
          closeSync(opened.fd);
          notes.push(`${literal(relative)} and the files after it: not attached (at most ${MAX_FILES})`);
          break;
        }
        fds.push(opened.fd);
        files.push({ path: fdPath(opened.fd), name: basename(path), size: opened.size });
      }
    } catch (error) {
      // A directory the glob cannot read (chmod 000): the search stops there, the run's end goes on.
      notes.push(`cannot search all of ${literal(pattern)}: ${searchError(error)}`);
      matched++;
    }
    if (matched === 0) notes.push(`nothing matched ${literal(pattern)}`);
  }
  const close = () => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
  return { files, notes, close };
}

function searchError(error: unknown): string {
  const { path } = error as NodeJS.ErrnoException;
  const words = errnoText(error);
  return path ? `${literal(path)}: ${words}` : words;
}
