/**
 * The final reply's files failed, not the reply: it goes without them, saying what is missing.
 * A refused or broken upload must not cost the notification (issue 15, item 7).
 */
import { errorMessage, NetworkError, ServerError, UsageError } from "../../errors.ts";

/** The upload refused, broken or answered wrongly, or a file that changed on disk while it was read. */
export function isUploadFailure(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  return (error instanceof ServerError || error instanceof NetworkError) && error.request.path === "/files";
}

/** What the reply goes without, and why: its note for the readers, and the line for the user's stderr. */
export function leftOut(log: boolean, others: number, error: unknown): { note: string; line: string } {
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
    return `the server's answer to the upload was not one (HTTP ${error.status})`;
  }
  if (error instanceof NetworkError)
    return /no answer within/.test(error.message) ? "the upload got no answer in time" : "the upload was cut off";
  return "a file changed or could not be read while it was sent";
}
