// Reading request bodies under the real server's limits.
import type { Readable } from "node:stream";
import { bodyTooLarge, invalidParam } from "./app-error.ts";
import type { Ctx } from "./context.ts";

/** ServiceSettings.MaximumPayloadSizeBytes (300 000) plus the bytes.MinRead slack the server adds. */
export const MAX_JSON_BODY = 300_000 + 512;

/** Reads the whole body, or rejects with 413 once it grows past `limit` (the rest is left unread). */
export function readBody(req: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(bodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/**
 * The JSON body of a request (recorded on ctx.record.body). A body that is not JSON is a 400
 * "Invalid or missing <name> in request body", like c.SetInvalidParamWithErr(name, err).
 */
export async function readJson(ctx: Ctx, name: string): Promise<unknown> {
  const raw = await readBody(ctx.body, MAX_JSON_BODY);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    throw invalidParam(name);
  }
  ctx.record.body = value;
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
