import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import * as zlib from "node:zlib";
import { DecodeError, decodeBody } from "../../src/mattermost/decode.ts";

const json = Buffer.from(JSON.stringify({ id: "x".repeat(26), message: "hello" }));
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe("decodeBody", () => {
  test("gzip, x-gzip, deflate (zlib and raw), br and zstd decode; identity and a list of codings too", () => {
    expect(text(decodeBody(zlib.gzipSync(json), "gzip", 1024))).toBe(json.toString());
    expect(text(decodeBody(zlib.gzipSync(json), "X-Gzip", 1024))).toBe(json.toString());
    expect(text(decodeBody(zlib.deflateSync(json), "deflate", 1024))).toBe(json.toString());
    expect(text(decodeBody(zlib.deflateRawSync(json), "deflate", 1024))).toBe(json.toString());
    expect(text(decodeBody(zlib.brotliCompressSync(json), "br", 1024))).toBe(json.toString());
    const zstd = (zlib as unknown as { zstdCompressSync: (input: Buffer) => Buffer }).zstdCompressSync;
    expect(text(decodeBody(zstd(json), "zstd", 1024))).toBe(json.toString());
    expect(text(decodeBody(json, "identity", 1024))).toBe(json.toString());
    const twice = zlib.brotliCompressSync(zlib.gzipSync(json));
    expect(text(decodeBody(twice, "gzip, br", 1024))).toBe(json.toString());
  });

  test("past the bound: a DecodeError that says so, before more than the bound is made", () => {
    const bomb = zlib.brotliCompressSync(Buffer.alloc(64 * 1024 * 1024), {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 },
    });
    const error = (() => {
      try {
        decodeBody(bomb, "br", 4096);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).tooLarge).toBe(true);
  });

  test("an unknown coding, or bytes that are not what the header says: a DecodeError naming it", () => {
    expect(() => decodeBody(json, "compress", 1024)).toThrow(
      new DecodeError('it is compressed as "compress", which mmn cannot read'),
    );
    expect(() => decodeBody(json, "gzip", 1024)).toThrow(new DecodeError("it does not decode as gzip"));
  });

  test("the start of a longer body decodes as far as it goes (an error page cut at its bound)", () => {
    const page = Buffer.from(`{"message":"${randomBytes(50_000).toString("hex")}"}`);
    const start = zlib.gzipSync(page).subarray(0, 200);
    expect(text(decodeBody(start, "gzip", 64 * 1024, false))).toStartWith(page.subarray(0, 100).toString());
  });
});
