// The rules of uploadFileMultipart, applied part by part as the multipart stream arrives.
import type { FileInfo } from "@mattermost/types/files";
import { AppError, invalidParam, invalidUrlParam, permissionError } from "./app-error.ts";
import { type Ctx, sessionUser } from "./context.ts";
import { type FileBytes, makeFileInfo } from "./file-info.ts";
import { isValidId } from "./ids.ts";
import type { MultipartSink, PartHeaders } from "./multipart.ts";
import type { RecordedMultipart, StoredFile } from "./types.ts";

/** maxMultipartFormDataBytes: a form value is read up to 10 KiB, the rest is dropped. */
const MAX_FIELD_BYTES = 10 * 1024;

/** The file permission check: a valid channel id of a channel the caller is a member of. */
export function checkUploadPermission(ctx: Ctx, channelId: string): void {
  if (!isValidId(channelId)) throw invalidUrlParam("channel_id");
  const channel = ctx.store.channels.get(channelId);
  if (!channel || !ctx.store.isMember(channel.id, sessionUser(ctx).id)) throw permissionError();
}

type Current =
  | { kind: "skip" }
  | { kind: "field"; name: string; pieces: Buffer[]; size: number }
  | { kind: "file"; field: string; info: FileInfo; contentType: string };

export interface UploadResponse {
  file_infos: FileInfo[];
  client_ids: string[];
}

export class UploadForm implements MultipartSink {
  private channelId = "";
  private readonly clientIds: string[] = [];
  private expectClientIds = true;
  /** Files before any channel_id (only when strictMultipartOrder is off): checked and stored at the end. */
  private legacy = false;
  private readonly done: StoredFile[] = [];
  private current: Current | undefined;
  private readonly recorded: RecordedMultipart = { fields: [], files: [], order: [] };
  private readonly now = Date.now();

  constructor(
    private readonly ctx: Ctx,
    private readonly bytes: FileBytes,
  ) {
    ctx.record.multipart = this.recorded;
  }

  onPart(h: PartHeaders): void {
    this.recorded.order.push(h.name);
    if (h.name === "") this.current = { kind: "skip" };
    else if (!h.filename) this.current = { kind: "field", name: h.name, pieces: [], size: 0 };
    else this.startFile(h.name, h.filename, h.contentType);
  }

  private startFile(field: string, filename: string, contentType: string): void {
    if (this.channelId === "" || this.legacy) {
      if (this.ctx.config.strictMultipartOrder) {
        throw new AppError(
          "api.file.upload_file.read_request.app_error",
          400,
          {},
          "test server: the channel_id field must come before the files parts",
        );
      }
      this.legacy = true;
    } else {
      checkUploadPermission(this.ctx, this.channelId);
      if (this.done.length === 0 && this.clientIds.length === 0) this.expectClientIds = false;
      if (this.expectClientIds && this.done.length >= this.clientIds.length) throw invalidParam("client_ids");
    }
    const clientId = this.legacy || !this.expectClientIds ? "" : (this.clientIds[this.done.length] ?? "");
    const info = makeFileInfo({
      userId: sessionUser(this.ctx).id,
      channelId: this.channelId,
      filename,
      clientId,
      now: this.now,
    });
    this.bytes.begin();
    this.current = { kind: "file", field, info, contentType };
  }

  onData(data: Buffer): void {
    const cur = this.current;
    if (cur?.kind === "field") {
      const room = MAX_FIELD_BYTES - cur.size;
      if (room > 0) cur.pieces.push(Buffer.from(data.subarray(0, room)));
      cur.size += Math.min(room, data.length);
    } else if (cur?.kind === "file") {
      const limit = this.ctx.config.maxFileSize;
      if (this.bytes.written + data.length > limit) {
        throw new AppError("api.file.upload_file.too_large_detailed.app_error", 413, {
          Filename: cur.info.name,
          Length: limit + 1,
          Limit: limit,
        });
      }
      this.bytes.write(data);
    }
  }

  onPartEnd(): void {
    const cur = this.current;
    this.current = undefined;
    if (cur?.kind === "field") {
      const value = Buffer.concat(cur.pieces).toString("utf8");
      this.recorded.fields.push({ name: cur.name, value });
      this.applyField(cur.name, value);
    } else if (cur?.kind === "file") {
      const content = this.bytes.finish();
      cur.info.size = content.length;
      this.recorded.files.push({
        field: cur.field,
        filename: cur.info.name,
        size: content.length,
        contentType: cur.contentType,
      });
      const file = { info: cur.info, content };
      this.done.push(file);
      if (!this.legacy) this.ctx.store.files.set(file.info.id, file);
    }
  }

  private applyField(name: string, value: string): void {
    if (name === "channel_id") {
      if (this.channelId !== "" && this.channelId !== value) {
        throw new AppError("api.file.upload_file.multiple_channel_ids.app_error", 400);
      }
      if (value !== "") this.channelId = value;
    } else if (name === "client_ids") {
      if (!this.expectClientIds) throw invalidParam("client_ids");
      this.clientIds.push(value);
    } else {
      throw invalidParam(name);
    }
  }

  /** The 413 for a request body longer than MaxFileSize + 512, naming the file being read. */
  tooLarge(): AppError {
    const cur = this.current;
    return new AppError("api.file.upload_file.too_large_detailed.app_error", 413, {
      Filename: cur?.kind === "file" ? cur.info.name : "",
      Length: this.bytes.written,
      Limit: this.ctx.config.maxFileSize,
    });
  }

  private numberError(): AppError {
    return new AppError("api.file.upload_file.incorrect_number_of_client_ids.app_error", 400, {
      NumClientIds: this.clientIds.length,
      NumFiles: this.done.length,
    });
  }

  finish(): UploadResponse {
    if (this.legacy) return this.finishLegacy();
    if (this.expectClientIds && this.clientIds.length !== this.done.length) throw this.numberError();
    return { file_infos: this.done.map((f) => f.info), client_ids: this.expectClientIds ? [...this.clientIds] : [] };
  }

  /** uploadFileMultipartLegacy: the whole form is read first, then checked. */
  private finishLegacy(): UploadResponse {
    if (this.channelId === "") throw invalidParam("channel_id");
    checkUploadPermission(this.ctx, this.channelId);
    if (this.clientIds.length !== 0 && this.clientIds.length !== this.done.length) throw this.numberError();
    this.done.forEach((file, i) => {
      file.info.channel_id = this.channelId;
      file.info.clientId = this.clientIds[i] ?? "";
      this.ctx.store.files.set(file.info.id, file);
    });
    return { file_infos: this.done.map((f) => f.info), client_ids: [...this.clientIds] };
  }
}
