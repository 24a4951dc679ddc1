import { UsageError } from "../base/errors.ts";
import type { UploadFile } from "./files.ts";

/** Nothing to say is a mistake: an empty post would still notify, an empty edit blank the message. */
export function requireContent(message: string, files: readonly UploadFile[]): void {
  if (!message.trim() && files.length === 0) throw new UsageError("the message is empty and no file is attached");
}

/**
 * An id is any name the caller likes, as in the Python package: only a hook store on disk
 * needs one that can name a file (the CLI checks its ids before it sends).
 */
export function requireId(id: string): void {
  if (!id) throw new UsageError("the message id is empty");
}
