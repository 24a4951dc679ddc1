// POST files: the streaming multipart upload of uploadFileStream, plus the simple (raw body) form.
import type { FileInfo } from "@mattermost/types/files";
import { AppError, invalidUrlParam } from "./app-error.ts";
import { readBody } from "./body.ts";
import { type Ctx, type Reply, sessionUser } from "./context.ts";
import { FileBytes, makeFileInfo } from "./file-info.ts";
import { isValidId } from "./ids.ts";
import { boundaryOf, MultipartParser, MultipartSyntaxError } from "./multipart.ts";
import { checkUploadPermission, UploadForm } from "./upload-form.ts";

const readRequestError = (detail: string): AppError =>
  new AppError("api.file.upload_file.read_request.app_error", 400, {}, detail);

/** The whole request may be MaxFileSize plus bytes.MinRead (512) long. */
function requestLimit(ctx: Ctx): number {
  return ctx.config.maxFileSize + 512;
}

export async function uploadFiles(ctx: Ctx): Promise<Reply> {
  const header = ctx.req.headers["content-length"];
  const contentLength = header === undefined ? undefined : Number(header);
  if (contentLength === 0) throw readRequestError("Content-Length should not be 0");
  const contentType = ctx.req.headers["content-type"] ?? "";
  if (!/^multipart\//i.test(contentType)) return uploadSimple(ctx);
  const boundary = boundaryOf(contentType);
  if (!boundary) throw readRequestError("no multipart boundary param in Content-Type");

  const usable = contentLength !== undefined && contentLength <= requestLimit(ctx) ? contentLength : undefined;
  const form = new UploadForm(ctx, new FileBytes(usable));
  const parser = new MultipartParser(boundary, form);
  await new Promise<void>((resolve, reject) => {
    let received = 0;
    const stop = (err: unknown): void => {
      ctx.body.off("data", onData);
      ctx.body.off("end", onEnd);
      ctx.body.off("error", stop);
      reject(err instanceof MultipartSyntaxError ? readRequestError(err.message) : err);
    };
    const onData = (chunk: Buffer): void => {
      try {
        // Like http.MaxBytesReader: the parser sees the body up to the limit, not a byte more.
        const allowed = Math.max(0, requestLimit(ctx) - received);
        received += chunk.length;
        if (chunk.length <= allowed) {
          parser.write(chunk);
          return;
        }
        if (allowed > 0) parser.write(chunk.subarray(0, allowed));
        throw form.tooLarge();
      } catch (err) {
        stop(err);
      }
    };
    const onEnd = (): void => {
      try {
        parser.end();
        ctx.body.off("error", stop);
        resolve();
      } catch (err) {
        stop(err);
      }
    };
    ctx.body.on("data", onData);
    ctx.body.on("end", onEnd);
    ctx.body.on("error", stop);
  });
  return { status: 201, body: form.finish() };
}

/** uploadFileSimple: the body is the file; channel_id, filename and client_id come in the query. */
async function uploadSimple(ctx: Ctx): Promise<Reply> {
  const channelId = ctx.query.get("channel_id") ?? "";
  const filename = ctx.query.get("filename") ?? "";
  if (!isValidId(channelId)) throw invalidUrlParam("channel_id");
  if (filename === "") throw invalidUrlParam("filename");
  checkUploadPermission(ctx, channelId);
  const clientId = ctx.query.get("client_id") ?? "";
  const limit = ctx.config.maxFileSize;
  let content: Buffer;
  try {
    content = await readBody(ctx.body, limit);
  } catch {
    throw new AppError("api.file.upload_file.too_large_detailed.app_error", 413, {
      Filename: filename,
      Length: limit + 1,
      Limit: limit,
    });
  }
  const info: FileInfo = makeFileInfo({ userId: sessionUser(ctx).id, channelId, filename, clientId, now: Date.now() });
  info.size = content.length;
  ctx.store.files.set(info.id, { info, content });
  return { status: 201, body: { file_infos: [info], client_ids: clientId ? [clientId] : [] } };
}
