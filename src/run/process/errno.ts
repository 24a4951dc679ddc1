import { errnoWords } from "../../base/disk.ts";

/** A failed write or open as a person reads it: the code, and what it means when we know. */
export function describeError(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  const words = errnoWords(code);
  return code && words ? `${code}: ${words}` : (message ?? String(err));
}
