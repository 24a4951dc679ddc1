/**
 * A compressed answer decoded by us, within a bound. mmn asks for identity, and Bun's fetch is
 * told not to decode: left to it, Bun decodes the whole body in the background even after the
 * reader is cancelled or the request aborted (a 256 MiB bomb cost 320 MB after reading 64 KiB),
 * so counting what the reader gets does not bound the memory. Node's fetch cannot be told, and
 * decodes as the body is read (16 KiB at a time): there the reader's count is the bound.
 */

import * as zlib from "node:zlib";
import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";

export class DecodeError extends Error {
  constructor(
    message: string,
    /** The decoded answer would pass the bound: what is said of a reply too large. */
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

type Decoder = (input: Uint8Array, options: zlib.ZlibOptions | zlib.BrotliOptions) => Buffer;

function decoderFor(coding: string): { decode: Decoder; flush: number } | undefined {
  switch (coding) {
    case "gzip":
    case "x-gzip":
      return { decode: gunzipSync, flush: constants.Z_SYNC_FLUSH };
    // "deflate" is zlib-wrapped by the standard, raw by some servers.
    case "deflate":
      return {
        decode: (input, options) => {
          try {
            return inflateSync(input, options);
          } catch (error) {
            if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") throw error;
            return inflateRawSync(input, options);
          }
        },
        flush: constants.Z_SYNC_FLUSH,
      };
    case "br":
      return { decode: brotliDecompressSync, flush: constants.BROTLI_OPERATION_FLUSH };
    case "zstd": {
      const zstd = (zlib as { zstdDecompressSync?: Decoder }).zstdDecompressSync;
      return zstd ? { decode: zstd, flush: 0 } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * `raw` decoded as `contentEncoding` says (codings applied in order, undone in reverse), to at
 * most `limit` bytes. `complete` false: `raw` is the start of a longer body, decoded as far as
 * it goes (an error page's start).
 */
export function decodeBody(raw: Uint8Array, contentEncoding: string, limit: number, complete = true): Uint8Array {
  const codings = contentEncoding
    .toLowerCase()
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c && c !== "identity")
    .reverse();
  let body = raw;
  for (const coding of codings) {
    const decoder = decoderFor(coding);
    if (!decoder)
      throw new DecodeError(`it is compressed as ${JSON.stringify(coding.slice(0, 40))}, which mmn cannot read`);
    try {
      body = decoder.decode(body, { maxOutputLength: limit, ...(complete ? {} : { finishFlush: decoder.flush }) });
    } catch (error) {
      if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") throw new DecodeError("", true);
      throw new DecodeError(`it does not decode as ${coding}`);
    }
  }
  return body;
}
