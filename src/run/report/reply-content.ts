/**
 * What the final reply sends, attempt after attempt. A log the server finds too large is sent
 * again smaller, down to a quarter, then without. Files whose upload fails otherwise (refused,
 * broken, answered wrongly, a file that changed on disk) are left out, and the reply says so:
 * the files must not cost the notification.
 */
import { errorMessage, NetworkError, ServerError, UsageError } from "../../base/errors.ts";
import type { FileInput } from "../../client/files.ts";
import type { FinalReply } from "./run-reporter.ts";

export class ReplyContent {
  message: string;
  #log: FinalReply["log"];
  #extra: FileInput[];
  #shrunk = 0;
  /** What the reply goes without, and why: the line for the user's stderr. */
  missing: string | undefined;

  constructor(
    private readonly reply: FinalReply,
    private readonly debug: (message: string) => void,
  ) {
    this.#log = reply.log;
    this.#extra = reply.attachments ?? [];
    this.message = reply.text(reply.log?.size);
  }

  get files(): FileInput[] {
    return [...(this.#log ? [this.#log] : []), ...this.#extra];
  }

  /** After a failure: whether to try again with less, which this has become. */
  lessAfter(error: unknown): boolean {
    const { text, shrink } = this.reply;
    const log = this.#log;
    if (!log && !this.#extra.length) return false;
    if (error instanceof ServerError && error.status === 413) {
      // Refused for their size with the log already gone (a proxy's limit the server did not tell): the text goes alone.
      if (!log) {
        this.#extra = [];
        this.message += "\n(the attached files were too large for the server and are not attached)";
        return true;
      }
      this.#log = this.#shrunk++ < 2 ? shrink(Math.floor(log.size / 2)) : undefined;
      this.message = this.#log
        ? text(this.#log.size)
        : `${text(undefined)}\n(the log was too large for the server and is not attached)`;
      this.debug(`log refused as too large; trying ${this.#log ? `${this.#log.size} bytes` : "without it"}`);
      return true;
    }
    if (!isUploadFailure(error)) return false;
    const left = leftOut(log !== undefined, this.#extra.length, error);
    this.missing = left.line;
    this.message = `${log ? text(undefined) : this.message}\n${left.note}`;
    this.#log = undefined;
    this.#extra = [];
    return true;
  }
}

/** The upload refused, broken or answered wrongly, or a file that changed on disk while it was read. */
function isUploadFailure(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  return (error instanceof ServerError || error instanceof NetworkError) && error.request.path === "/files";
}

/** What the reply goes without, and why: its note for the readers, and the line for the user's stderr. */
function leftOut(log: boolean, others: number, error: unknown): { note: string; line: string } {
  const files = `${others} ${others === 1 ? "file" : "files"}`;
  const what = log
    ? others
      ? `the log and ${others === 1 ? "1 other file" : `${others} other files`}`
      : "the log"
    : files;
  return {
    note: `(${what} could not be attached: ${trouble(error)})`,
    line: `the reply went without ${what}: ${errorMessage(error)}`,
  };
}

/** Why, as the reply's readers read it: no path and no host, which are the user's. */
function trouble(error: unknown): string {
  if (error instanceof ServerError) {
    if (error.status >= 500) return `the server failed on the upload (HTTP ${error.status})`;
    if (error.status >= 400) return `the server refused the upload (HTTP ${error.status})`;
    return `the server's answer to the upload made no sense (HTTP ${error.status})`;
  }
  if (error instanceof NetworkError)
    return /no answer within/.test(error.message) ? "the upload got no answer in time" : "the upload was cut off";
  return "a file changed or could not be read while it was sent";
}
