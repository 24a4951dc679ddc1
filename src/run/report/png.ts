/** zlib's deflate: the runtime's own, given by the caller (png.ts loads nothing). */
export type Deflate = (raw: Uint8Array<ArrayBuffer>) => Uint8Array;

/**
 * A PNG of 8-bit palette pixels, in our own few lines: a signature, IHDR, PLTE, one zlib IDAT
 * and IEND, each chunk with its CRC-32. No native add-on, nothing a compiled binary lacks.
 */
export function encodePng(
  width: number,
  height: number,
  palette: readonly number[],
  pixels: Uint8Array,
  deflate: Deflate,
): Uint8Array {
  if (pixels.length !== width * height) throw new Error(`${pixels.length} pixels for ${width}×${height}`);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  // 8 bits a pixel, palette colours, deflate, the one filter method, no interlace.
  header.set([8, 3, 0, 0, 0], 8);
  const plte = new Uint8Array(palette.length * 3);
  for (const [i, rgb] of palette.entries()) plte.set([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255], i * 3);
  // Each row starts with its filter: 0, none (palette indices compress well as they are).
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const parts = [
    SIGNATURE,
    chunk("IHDR", header),
    chunk("PLTE", plte),
    chunk("IDAT", deflate(raw)),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

let table: Uint32Array | undefined;

/** CRC-32 as PNG and zlib define it (polynomial 0xEDB88320). */
export function crc32(bytes: Uint8Array): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of bytes) crc = table[(crc ^ byte) & 255]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Deflate in a zlib stream, as IDAT holds it: under Bun its native raw deflate (node:zlib would
 * cost the binary ~10 ms to load at the end of every run), wrapped in zlib's header and Adler-32;
 * under Node, node:zlib's.
 */
export async function zlibDeflate(): Promise<Deflate> {
  if (typeof Bun !== "undefined") {
    const raw = Bun.deflateSync;
    return (bytes) => {
      const body = raw(bytes, { level: 9 });
      const out = new Uint8Array(body.length + 6);
      out.set([0x78, 0xda]);
      out.set(body, 2);
      new DataView(out.buffer).setUint32(body.length + 2, adler32(bytes));
      return out;
    };
  }
  const { deflateSync } = await import("node:zlib");
  return (bytes) => deflateSync(bytes, { level: 9 });
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 bytes at most between the modulos: the sums stay exact in a double.
  for (let start = 0; start < bytes.length; start += 5552) {
    const end = Math.min(bytes.length, start + 5552);
    for (let i = start; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
