import { formatBytes } from "../base/bytes.ts";
import { errnoText, fs } from "../base/disk.ts";

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

/**
 * What is read at a time. Each chunk is garbage once sent, collected only later: a 20 MiB log
 * read by 1 MiB raised the peak of `mmn run` through 256 MiB of output from 56 to 68 MiB, by
 * 256 KiB to 64 (measured); smaller chunks held no less.
 */
const UPLOAD_CHUNK = 1 << 18;
/**
 * And collected only later still: under Bun, a full collection after every 2 MiB sent lowered
 * that peak from 62.6-63.4 to 57.8-58.5 MiB (every 1 MiB: 56.4-57.4, for twice the collections
 * of ~1 ms each). Node's library users have no Bun.gc: theirs is collected when Node decides.
 */
const COLLECT_EVERY_CHUNKS = 8;
const bun = (globalThis as { Bun?: { gc(full: boolean): void } }).Bun;
const encoder = new TextEncoder();

/**
 * A multipart/form-data body streamed from disk with an exact Content-Length.
 * Bun's FormData copies a file into memory twice (300 MB → 614 MB peak); this holds one chunk.
 * `channel_id` goes first: the server reads parts in order and needs it before any file.
 */
export function multipartUpload(
  channelId: string,
  files: readonly UploadFile[],
): {
  body: ReadableStream<Uint8Array>;
  headers: Record<string, string>;
} {
  const boundary = `mmn-${crypto.randomUUID()}`;
  const parts: Array<Uint8Array | UploadFile> = [
    encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="channel_id"\r\n\r\n${channelId}\r\n`),
  ];
  for (const file of files) {
    parts.push(
      encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${quote(file.name)}"\r\n` +
          `Content-Type: application/octet-stream\r\n\r\n`,
      ),
      file,
      encoder.encode("\r\n"),
    );
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  const length = parts.reduce((sum, part) => sum + (part instanceof Uint8Array ? part.length : part.size), 0);
  return {
    body: streamParts(parts),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(length) },
  };
}

function streamParts(parts: Array<Uint8Array | UploadFile>): ReadableStream<Uint8Array> {
  let index = 0;
  let reader: AsyncGenerator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (index < parts.length) {
        const part = parts[index]!;
        if (part instanceof Uint8Array) {
          index++;
          controller.enqueue(part);
          return;
        }
        reader ??= readFile(part);
        const next = await reader.next();
        if (!next.done) {
          controller.enqueue(next.value);
          return;
        }
        reader = undefined;
        index++;
      }
      controller.close();
    },
    async cancel() {
      await reader?.return(undefined);
    },
  });
}

/** A file to upload that changed under us: the upload stops, and nothing is tried again. */
export class UploadSourceError extends Error {
  constructor(
    readonly file: UploadFile,
    reason: string,
  ) {
    super(`${shownPath(file)} ${reason}`);
  }
}

/** A file attached through its descriptor (`/proc/self/fd/N`) is named by what the user knows it as. */
function shownPath(file: UploadFile): string {
  return /^\/(?:proc\/self|dev)\/fd\/\d+$/.test(file.path) ? file.name : file.path;
}

/** Exactly `file.size` bytes, or an UploadSourceError: padding a file that shrank would send what it never held. */
async function* readFile(file: UploadFile): AsyncGenerator<Uint8Array> {
  if (file.content) {
    yield file.content;
    return;
  }
  const handle = await (await fs()).open(file.path, "r").catch((error: NodeJS.ErrnoException) => {
    throw new UploadSourceError(file, `could not be read any more: ${errnoText(error)}`);
  });
  try {
    let position = file.offset ?? 0;
    let left = file.size;
    let sent = 0;
    while (left > 0) {
      const buffer = new Uint8Array(Math.min(UPLOAD_CHUNK, left));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0)
        throw new UploadSourceError(
          file,
          `shrank while it was being sent (${formatBytes(position)} of ${formatBytes(file.size)})`,
        );
      position += bytesRead;
      left -= bytesRead;
      yield buffer.subarray(0, bytesRead);
      if (++sent % COLLECT_EVERY_CHUNKS === 0) bun?.gc(true);
    }
  } finally {
    await handle.close();
  }
}

function quote(name: string): string {
  return name.replace(/[\r\n"\\]/g, (c) => (c === '"' ? "%22" : c === "\\" ? "\\\\" : " "));
}
