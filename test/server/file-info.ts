// FileInfo records for uploads, and where their bytes go.
import type { FileInfo } from "@mattermost/types/files";
import { newId } from "./ids.ts";

const MIME_TYPES: Record<string, string> = {
  txt: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  json: "application/json",
  xml: "text/xml; charset=utf-8",
  html: "text/html; charset=utf-8",
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  zip: "application/zip",
  gz: "application/gzip",
  tar: "application/x-tar",
};

/** filepath.Base of the client's filename (either slash), as the real server keeps it. */
function baseName(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? "";
  return base === "" ? "." : base;
}

export function makeFileInfo(opts: {
  userId: string;
  channelId: string;
  filename: string;
  clientId: string;
  now: number;
}): FileInfo {
  const name = baseName(opts.filename);
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  return {
    id: newId(),
    user_id: opts.userId,
    channel_id: opts.channelId,
    create_at: opts.now,
    update_at: opts.now,
    delete_at: 0,
    name,
    extension,
    size: 0,
    mime_type: MIME_TYPES[extension] ?? "application/octet-stream",
    width: 0,
    height: 0,
    has_preview_image: false,
    clientId: opts.clientId,
    archived: false,
  };
}

/**
 * Receives the bytes of the files of one request. With a known Content-Length every file is
 * written into one arena of that size and handed out as a view: one copy of the data, however
 * large. Without one (chunked uploads) each file is joined from its pieces when it ends.
 */
export class FileBytes {
  private readonly arena: Buffer | undefined;
  private offset = 0;
  private start = 0;
  private pieces: Buffer[] = [];
  private size = 0;

  constructor(contentLength: number | undefined) {
    this.arena = contentLength !== undefined && contentLength > 0 ? Buffer.allocUnsafe(contentLength) : undefined;
  }

  begin(): void {
    this.start = this.offset;
    this.pieces = [];
    this.size = 0;
  }

  write(data: Buffer): void {
    this.size += data.length;
    if (this.arena && this.offset + data.length <= this.arena.length) {
      data.copy(this.arena, this.offset);
      this.offset += data.length;
    } else {
      this.pieces.push(Buffer.from(data));
    }
  }

  get written(): number {
    return this.size;
  }

  finish(): Buffer {
    if (this.pieces.length === 0 && this.arena) return this.arena.subarray(this.start, this.offset);
    const inArena = this.arena ? [this.arena.subarray(this.start, this.offset)] : [];
    return Buffer.concat([...inArena, ...this.pieces], this.size);
  }
}
