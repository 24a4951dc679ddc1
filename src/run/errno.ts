const HINTS: Record<string, string> = {
  EFBIG: "file size limit reached (ulimit -f)",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory",
  EROFS: "read-only file system",
};

/** A failed write or open as a person reads it: the code, and what it means when that is not obvious. */
export function describeError(err: unknown): string {
  const { code, message } = err as NodeJS.ErrnoException;
  return code && HINTS[code] ? `${code}: ${HINTS[code]}` : (message ?? String(err));
}
