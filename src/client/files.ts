import { baseName, errnoText, fs } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";
import { describe } from "../library/arguments.ts";
import type { UploadFile } from "../mattermost/multipart.ts";

export type { UploadFile };

/** A path, or a path with the name the file should have in Mattermost. */
export type FileInput = string | { path: string; name?: string; offset?: number; size?: number };

/** The server takes at most this many files on one post. */
export const MAX_FILES_PER_POST = 10;
/**
 * Files smaller than this share an upload request; a larger one goes alone (the server limits a request, not a
 * file).
 */
const SHARED_UPLOAD_BYTES = 8 * 1024 * 1024;

/** Check every file before anything is sent: a typo must not leave half a message behind. */
export async function prepareFiles(inputs: FileInput | readonly FileInput[] = []): Promise<UploadFile[]> {
  const files: UploadFile[] = [];
  // One file alone need not be a list: a string spread as one would attach "p", "l", "o", "t"…
  const list: readonly unknown[] = Array.isArray(inputs) ? inputs : [inputs];
  for (const input of list) {
    const spec = fileSpec(input);
    if (!spec.path) throw new UsageError("cannot attach a file with an empty name");
    const disk = await fs();
    let info: Awaited<ReturnType<typeof disk.stat>>;
    try {
      info = await disk.stat(spec.path);
      // Found but unreadable would fail mid-upload, after the channel was opened.
      await disk.access(spec.path, disk.constants.R_OK);
    } catch (error) {
      throw new UsageError(`cannot attach ${spec.path}: ${errnoText(error)}`);
    }
    if (!info.isFile()) {
      throw new UsageError(`cannot attach ${spec.path}: not a regular file`, {
        hint: info.isDirectory() ? "attach the files inside it, or an archive of it (tar czf)" : undefined,
      });
    }
    const offset = Math.min(spec.offset ?? 0, info.size);
    const size = Math.min(spec.size ?? info.size - offset, info.size - offset);
    files.push({ path: spec.path, name: spec.name || baseName(spec.path), size, offset });
  }
  return files;
}

/** A file as the caller gave it, checked: JavaScript callers can pass anything. */
function fileSpec(input: unknown): Exclude<FileInput, string> {
  if (typeof input === "string") return { path: input };
  if (input !== null && typeof input === "object" && typeof (input as { path?: unknown }).path === "string")
    return input as Exclude<FileInput, string>;
  throw new UsageError(`cannot attach ${describe(input)}: a file is a path, or { path, name }`);
}

/** Upload requests: small files together (at most a post's worth), large ones alone. */
export function uploadBatches(files: readonly UploadFile[]): UploadFile[][] {
  const batches: UploadFile[][] = [];
  let current: UploadFile[] = [];
  let bytes = 0;
  for (const file of files) {
    const full = current.length >= MAX_FILES_PER_POST || bytes + file.size > SHARED_UPLOAD_BYTES;
    if (current.length > 0 && full) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
