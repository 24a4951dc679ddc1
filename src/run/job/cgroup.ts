import { join } from "node:path";
import { readNumber, readSmall } from "../../base/small-file.ts";
import type { MemoryAtEnd } from "../../scheduler/cause.ts";

/**
 * The memory cgroup the job runs in, found from /proc/self/cgroup and where the hierarchy is
 * mounted (never from the job id: from Slurm 26.05 the directory is not named after it).
 * cgroup v1 (RHEL 7/8, and hybrid systems whose v2 mount has no memory controller) or v2.
 */

interface Mount {
  /** The cgroup the mount shows at its mount point ("/" unless inside a cgroup namespace's view). */
  root: string;
  point: string;
}

export interface CgroupPlace {
  version: 1 | 2;
  /** Our memory cgroup's directory. */
  dir: string;
  /** Where the hierarchy is mounted: its root cgroup is the whole machine. */
  mount: string;
}

/** Our memory cgroup's path in the v1 memory hierarchy and in the v2 one, from /proc/self/cgroup. */
export function parseProcCgroup(text: string): { v1?: string; v2?: string } {
  const out: { v1?: string; v2?: string } = {};
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (line.slice(0, first) === "0" && controllers === "") out.v2 = path;
    else if (controllers.split(",").includes("memory")) out.v1 = path;
  }
  return out;
}

/** The v1 memory mount and the v2 mount, from /proc/self/mountinfo. */
export function parseMountinfo(text: string): { v1?: Mount; v2?: Mount } {
  const out: { v1?: Mount; v2?: Mount } = {};
  for (const line of text.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const fields = line.slice(0, dash).split(" ");
    const [type, , superOptions = ""] = line.slice(dash + 3).split(" ");
    const mount = { root: unescapeOctal(fields[3] ?? ""), point: unescapeOctal(fields[4] ?? "") };
    if (type === "cgroup2") out.v2 ??= mount;
    else if (type === "cgroup" && superOptions.split(",").includes("memory")) out.v1 ??= mount;
  }
  return out;
}

/** mountinfo writes a space, tab, newline and backslash in a path as octal escapes. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export function locate(procCgroup: string, mountinfo: string): CgroupPlace | undefined {
  const paths = parseProcCgroup(procCgroup);
  const mounts = parseMountinfo(mountinfo);
  const v1 = paths.v1 !== undefined && mounts.v1 ? under(mounts.v1, paths.v1) : undefined;
  if (v1) return { version: 1, dir: v1, mount: mounts.v1!.point };
  const v2 = paths.v2 !== undefined && mounts.v2 ? under(mounts.v2, paths.v2) : undefined;
  // A v2 hierarchy without the memory controller (hybrid systems keep it in v1) tells nothing.
  if (v2 && readSmall(join(v2, "memory.current")) !== undefined)
    return { version: 2, dir: v2, mount: mounts.v2!.point };
  return undefined;
}

function under(mount: Mount, path: string): string | undefined {
  if (mount.root === "/") return join(mount.point, path);
  if (path === mount.root || path.startsWith(`${mount.root}/`)) return join(mount.point, path.slice(mount.root.length));
  return undefined;
}

const FILES = {
  1: { limit: "memory.limit_in_bytes", usage: "memory.usage_in_bytes", peak: "memory.max_usage_in_bytes" },
  2: { limit: "memory.max", usage: "memory.current", peak: "memory.peak" },
} as const;

/** v1 writes "no limit" as the largest page count times the page size: anything above 2^62 is none. */
const UNLIMITED = 2 ** 62;

/** How many processes the out-of-memory killer took in this cgroup; undefined where the kernel does not count them. */
export function parseOomKills(text: string | undefined): number | undefined {
  const match = text && /^oom_kill (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * The job's memory as its cgroup sees it. Only a cgroup with a limit counts as the job's: above
 * that (or without any) the cgroup holds other jobs or the whole machine.
 */
export class JobCgroup {
  readonly #place: CgroupPlace;
  /** The cgroup whose limit binds (the smallest from ours up, the highest of equals), and that limit. */
  readonly #limited: { dir: string; limit: number } | undefined;
  readonly #oomAtStart: number | undefined;
  readonly #hitsAtStart: number | undefined;

  constructor(place: CgroupPlace) {
    this.#place = place;
    this.#limited = bindingLimit(place);
    this.#oomAtStart = this.#oomKills();
    this.#hitsAtStart = this.#limitHits();
  }

  /** Ours, found from /proc/self; undefined outside Linux or without a memory hierarchy. */
  static find(): JobCgroup | undefined {
    const cgroup = readSmall("/proc/self/cgroup");
    // A node with many file systems (NFS, autofs, containers) has a long mountinfo.
    const mountinfo = readSmall("/proc/self/mountinfo", 1024 * 1024);
    const place = cgroup && mountinfo ? locate(cgroup, mountinfo) : undefined;
    return place ? new JobCgroup(place) : undefined;
  }

  get limit(): number | undefined {
    return this.#limited?.limit;
  }

  /** What the limited cgroup holds now; one small read, for each tick. */
  usage(): number | undefined {
    return this.#limited && readNumber(join(this.#limited.dir, FILES[this.#place.version].usage));
  }

  end(): MemoryAtEnd | undefined {
    if (!this.#limited) return undefined;
    const files = FILES[this.#place.version];
    const peak = readNumber(join(this.#limited.dir, files.peak));
    const kills = this.#oomKills();
    const hits = this.#limitHits();
    return {
      limit: this.#limited.limit,
      ...(peak !== undefined ? { peak } : {}),
      ...(kills !== undefined ? { oomKills: kills - (this.#oomAtStart ?? 0) } : {}),
      ...(hits !== undefined ? { limitHits: hits - (this.#hitsAtStart ?? 0) } : {}),
    };
  }

  /**
   * v1 counts a kill in the victim's own cgroup (ours, for the command's processes); v2 also in
   * every ancestor's, so the limited cgroup's count covers the job's other steps too.
   */
  #oomKills(): number | undefined {
    const file = this.#place.version === 1 ? "memory.oom_control" : "memory.events";
    const dirs = [this.#place.dir, ...(this.#limited ? [this.#limited.dir] : [])];
    const counts = dirs.map((dir) => parseOomKills(readSmall(join(dir, file)))).filter((n) => n !== undefined);
    return counts.length ? Math.max(...counts) : undefined;
  }

  #limitHits(): number | undefined {
    return this.#place.version === 1 && this.#limited
      ? readNumber(join(this.#limited.dir, "memory.failcnt"))
      : undefined;
  }
}

function bindingLimit(place: CgroupPlace): { dir: string; limit: number } | undefined {
  let best: { dir: string; limit: number } | undefined;
  for (let dir = place.dir; dir.startsWith(`${place.mount}/`); dir = join(dir, "..")) {
    const limit = readNumber(join(dir, FILES[place.version].limit));
    // Of equal limits the higher cgroup is the job's (Slurm limits the job and each step alike): it holds every step.
    if (limit !== undefined && limit < UNLIMITED && (!best || limit <= best.limit)) best = { dir, limit };
  }
  return best;
}
