// A compressed answer that decodes to far more than it weighs: what a broken or hostile proxy may send.
import type { ServerResponse } from "node:http";
import { brotliCompressSync, constants, createBrotliCompress, createGzip, gzipSync } from "node:zlib";

export type BombEncoding = "br" | "gzip";

const made = new Map<string, Promise<Buffer>>();

/**
 * `bytes` of spaces, compressed as a stream (never held whole): 1 GiB is ~190 KB of brotli, made
 * in ~0.2 s, 256 MiB ~260 KB of gzip in ~0.1 s (level 9 makes it no smaller, in 1 s). Made once; a test makes it before it is asked
 * for, so that the server does not keep the client waiting while it compresses.
 */
export function bomb(encoding: BombEncoding, bytes: number): Promise<Buffer> {
  const key = `${encoding}:${bytes}`;
  let body = made.get(key);
  if (!body) {
    body = compress(encoding, bytes);
    made.set(key, body);
  }
  return body;
}

async function compress(encoding: BombEncoding, bytes: number): Promise<Buffer> {
  const z =
    encoding === "br"
      ? createBrotliCompress({
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 1,
            [constants.BROTLI_PARAM_LGWIN]: 24,
            [constants.BROTLI_PARAM_SIZE_HINT]: bytes,
          },
        })
      : createGzip({ level: 6 });
  const out: Buffer[] = [];
  z.on("data", (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve, reject) => z.on("end", resolve).on("error", reject));
  const chunk = Buffer.alloc(1024 * 1024, " ");
  for (let left = bytes; left > 0; left -= chunk.length) {
    if (!z.write(left >= chunk.length ? chunk : chunk.subarray(0, left)))
      await new Promise((resolve) => z.once("drain", resolve));
  }
  z.end();
  await ended;
  return Buffer.concat(out);
}

/** The bomb with its Content-Length (the compressed size, small): a client that trusts it decodes it whole. */
export async function sendBomb(res: ServerResponse, status: number, encoding: BombEncoding, bytes: number) {
  const body = await bomb(encoding, bytes);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Encoding": encoding,
    "Content-Length": String(body.length),
  });
  res.end(body);
}

/** A JSON answer compressed whether or not the client asked for it, as a proxy may do. */
export function sendCompressedJson(res: ServerResponse, status: number, encoding: BombEncoding, body: unknown) {
  const json = Buffer.from(JSON.stringify(body));
  const compressed = encoding === "br" ? brotliCompressSync(json) : gzipSync(json);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Encoding": encoding });
  res.end(compressed);
}
