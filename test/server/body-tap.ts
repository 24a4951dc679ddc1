// Bodies of requests an injected fault holds back: buffered during a delay, recorded when complete.
import type { IncomingMessage } from "node:http";
import { PassThrough, type Readable } from "node:stream";
import { MAX_JSON_BODY } from "./body.ts";
import type { RecordedRequest } from "./types.ts";

/** Records a JSON body on the request record as soon as it has arrived, whoever reads it. */
export function recordJsonOnArrival(req: IncomingMessage, rec: RecordedRequest): void {
  if (/^multipart\//i.test(req.headers["content-type"] ?? "")) return;
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_JSON_BODY) chunks.push(chunk);
  });
  req.on("end", () => {
    if (size === 0 || size > MAX_JSON_BODY) return;
    try {
      rec.body = JSON.parse(Buffer.concat(chunks, size).toString("utf8"));
    } catch {
      // not JSON
    }
  });
}

/**
 * The body read ahead into memory, so that a request can be handled after a delay even when the
 * client has given up by then (a slow server still processes what it received). A body cut short
 * by the client ends the stream with an error.
 */
export function bufferedBody(req: IncomingMessage): Readable {
  const copy = new PassThrough({ highWaterMark: 1 << 30 });
  req.pipe(copy);
  req.on("close", () => {
    if (!req.readableEnded) copy.destroy(new Error("the client went away before sending the whole body"));
  });
  return copy;
}
