/** An answer's body, read within a bound: counted as it comes and again as it decodes. */
import { printable } from "../base/printable.ts";

/** A 2xx answer that cannot be taken: larger than the bound, or compressed in a way it does not decode. */
export class UnreadableReply extends Error {
  constructor(
    readonly status: number,
    why: string,
  ) {
    super(why);
  }
}

/** Bun is told not to decode (decode.ts says why): what it hands over is what came over the wire. */
const DECODES_ITSELF = !("Bun" in globalThis);

/**
 * Mattermost answers JSON; a proxy in between may answer HTML or plain text. At most `limit`
 * bytes are taken, counted as they came and again as decoded: Content-Length is the compressed
 * size, which says nothing of what it decodes to (6.5 KB of brotli were 4.2 GB).
 */
export async function readBody(response: Response, limit: number): Promise<unknown> {
  const { bytes, cut } = await readUpTo(response, limit);
  const coding = response.headers.get("content-encoding")?.trim();
  const tooLarge = `its answer is larger than ${limit / 1024 / 1024} MiB${coding ? ` once decoded (${printable(coding, 40)})` : ""}`;
  // An error page only needs its start; a reply cut short is no reply.
  if (cut && response.ok) throw new UnreadableReply(response.status, tooLarge);
  let body = bytes;
  if (coding && !DECODES_ITSELF) {
    // Loaded only for a compressed answer (mmn asks for none): node:zlib at start cost every send ~2 ms of CPU.
    const { DecodeError, decodeBody } = await import("./decode.ts");
    try {
      body = decodeBody(bytes, coding, limit, !cut);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      if (response.ok) throw new UnreadableReply(response.status, error.tooLarge ? tooLarge : error.message);
      return undefined;
    }
  }
  const text = new TextDecoder().decode(body);
  return cut ? cutMessage(text) : parse(text);
}

/** The body's bytes up to `limit`; `cut` when there were more. */
async function readUpTo(response: Response, limit: number): Promise<{ bytes: Uint8Array; cut: boolean }> {
  // Told not to decode, fetch reads what the length says and no more: one read, no stream to pump.
  const length = DECODES_ITSELF ? Number.NaN : Number(response.headers.get("content-length") ?? Number.NaN);
  if (length >= 0 && length <= limit) return { bytes: new Uint8Array(await response.arrayBuffer()), cut: false };
  const reader = response.body?.getReader();
  if (!reader) return { bytes: new Uint8Array(), cut: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), cut: false };
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      chunks.push(value.subarray(0, value.length - (size - limit)));
      return { bytes: Buffer.concat(chunks), cut: true };
    }
    chunks.push(value);
  }
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The start of an error answer cut at the bound: its `message` when it has one, else its text. */
function cutMessage(text: string): { message: string } | string {
  const quoted = /"message"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(text)?.[1];
  if (quoted === undefined) return text;
  try {
    return { message: JSON.parse(`"${quoted.replace(/\\$/, "")}"`) as string };
  } catch {
    return { message: quoted };
  }
}
