import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeError } from "./errno.ts";

export interface TempDir {
  /** The directory made, when one could be. */
  path?: string;
  /** Each directory that could not hold it, with why: "/nonexistent: ENOENT: no such file or directory". */
  refused: string[];
}

/**
 * A directory of our own in the first of `parents` that takes one: mkdtemp makes a new name
 * with mode 0700 (never an existing directory or someone's symlink), and only in a parent
 * nobody else can rename it out of, so that what we write inside stays ours on a shared
 * machine. $TMPDIR is often a job's scratch directory, removed or not yet made: /tmp is next.
 */
export function privateTempDir(prefix: string, parents: readonly string[] = [tmpdir(), "/tmp"]): TempDir {
  const refused: string[] = [];
  for (const parent of new Set(parents)) {
    try {
      const why = untrusted(parent);
      if (why) refused.push(`${parent}: ${why}`);
      else return { path: mkdtempSync(join(parent, prefix)), refused };
    } catch (err) {
      refused.push(`${parent}: ${describeError(err)}`);
    }
  }
  return { refused };
}

/** Why another user could replace what we make in that directory, if they could. */
function untrusted(dir: string): string | undefined {
  const stat = statSync(dir);
  if (!stat.isDirectory()) return "not a directory";
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) return "it belongs to another user";
  // Like /tmp, a directory others can write to must be sticky: then only we can rename what we made.
  if (stat.mode & 0o022 && !(stat.mode & 0o1000)) return "others can write to it, and it is not sticky";
  return undefined;
}
