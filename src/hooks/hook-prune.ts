/**
 * `mmn hook prune`: what runs left in the hook directory once they are long over. Only what
 * mmn made for itself is pruned: the hooks of runs it named (`run-HOST-DATE-TIME-xxxx`), array
 * boards (`array-…`) with their tasks' state, and leftovers (dead locks, temporary files). A
 * hook named by the user (`--id nightly`) is theirs to `hook rm`: `mmn update --id nightly`
 * may still want it, however old it is. Only files and directories the user owns, never
 * through a symlink.
 */
import { fs, joinPath } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";

export interface Pruned {
  /** What it was, as `hook list` names it: an id, or a file of the store. */
  name: string;
  kind: "run hook" | "array board" | "array state" | "leftover";
  ageMs: number;
}

/** The id `mmn run` makes when given none (run/options.ts `runId`). */
const RUN_ID = /^run-[\w-]*\d{8}-\d{6}-[a-z0-9]{1,8}$/;
const ARRAY_ID = /^array-[\w.-]+$/;
/** A lock is refreshed every minute while held, a temp file lives for one write. */
const LEFTOVER = /\.(msg\.lock|tmp|stale)$/;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `7d`, `12h`, `2w`, `30m`; a bare number is days. */
export function parseAge(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/.exec(text.trim());
  if (!match)
    throw new UsageError(`invalid age ${JSON.stringify(text)}`, { hint: "give a number and a unit: 7d, 12h, 2w, 30m" });
  return Number(match[1]) * UNITS[match[2] || "d"]!;
}

/** Removes (unless `dryRun`) and returns what is older than `olderThanMs`, oldest first. */
export async function pruneHooks(dir: string, olderThanMs: number, dryRun: boolean): Promise<Pruned[]> {
  const disk = await fs();
  const me = process.geteuid?.();
  const now = Date.now();
  const names = await disk.readdir(dir).catch(() => [] as string[]);
  const found: Array<Pruned & { paths: string[] }> = [];
  const mine = async (path: string) => {
    const info = await disk.lstat(path).catch(() => undefined);
    return info && !info.isSymbolicLink() && (me === undefined || info.uid === me) ? info : undefined;
  };
  for (const name of names) {
    const path = joinPath(dir, name);
    const id = name.endsWith(".msg") ? name.slice(0, -".msg".length) : undefined;
    const kind = id && RUN_ID.test(id) ? "run hook" : id && ARRAY_ID.test(id) ? "array board" : undefined;
    const info = kind || LEFTOVER.test(name) ? await mine(path) : undefined;
    if (!info?.isFile()) continue;
    const ageMs = now - info.mtimeMs;
    if (ageMs > olderThanMs) found.push({ name: id ?? name, kind: kind ?? "leftover", ageMs, paths: [path] });
  }
  // Whole directories are removed only below a .arrays of ours in a directory only we can write:
  // elsewhere a neighbour's link (or one swapped in) would lead the removal into the user's own files.
  const arrays = joinPath(dir, ".arrays");
  const safe = [await mine(dir), await mine(arrays)].every((d) => d?.isDirectory() && !(d.mode & 0o022));
  for (const name of safe ? await disk.readdir(arrays).catch(() => [] as string[]) : []) {
    const path = joinPath(arrays, name);
    const info = await mine(path);
    if (!info?.isDirectory()) continue;
    // An array is over when nothing in its directory has changed for that long.
    const entries = await disk.readdir(path).catch(() => [] as string[]);
    const times = await Promise.all(entries.map(async (entry) => (await mine(joinPath(path, entry)))?.mtimeMs));
    if (times.some((time) => time === undefined)) continue;
    const ageMs = now - Math.max(info.mtimeMs, ...(times as number[]));
    if (ageMs > olderThanMs) found.push({ name, kind: "array state", ageMs, paths: [path] });
  }
  found.sort((a, b) => b.ageMs - a.ageMs);
  if (!dryRun)
    for (const item of found) for (const path of item.paths) await disk.rm(path, { recursive: true, force: true });
  return found.map(({ name, kind, ageMs }) => ({ name, kind, ageMs }));
}
