import { describe } from "./arguments.ts";
import { baseName, errnoText, fs } from "./disk.ts";
import { UsageError } from "./errors.ts";

/** A file as it is uploaded: checked, named, and its size known before anything is sent. */
export interface UploadFile {
  path: string;
  /** Name shown in Mattermost; defaults to the file's base name, never the local path. */
  name: string;
  size: number;
  /** Upload only the last `size` bytes, starting here (used to attach the tail of a log). */
  offset?: number;
  /** The bytes themselves, held in memory instead of read from `path` (a long message sent as a file). */
  content?: Uint8Array;
}

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

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
