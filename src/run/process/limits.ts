import { readSmall } from "../../base/small-file.ts";
import { INHERITED_FDS } from "./fds.ts";

/**
 * The limits a scheduler sets on a job (`ulimit -n`, and `ulimit -v`, which SGE's h_vmem and
 * PBS's pvmem set) as they bear on mmn itself. The command always gets them as they were set:
 * nothing here changes a limit.
 */

/**
 * Below this many open files mmn cannot report: Bun's own, a pipe for each stream, the log, the
 * files attached, a connection or two. Measured with the binary under prlimit (README, "Tight
 * limits"): 20 for a run with ten attachments, 16 to 18 fail; 24 leaves room for retries.
 */
const MIN_OPEN_FILES = 24;

const ONE_ARENA = "MMN_ONE_ARENA";

export interface SoftLimits {
  /** Undefined when unlimited or unknown. */
  openFiles?: number;
  addressSpaceBytes?: number;
}

export function softLimits(text = readSmall("/proc/self/limits")): SoftLimits {
  const soft = (name: string): number | undefined => {
    const value = new RegExp(`^${name}\\s+(\\S+)`, "m").exec(text ?? "")?.[1];
    return value === undefined || value === "unlimited" ? undefined : Number(value);
  };
  const openFiles = soft("Max open files");
  const addressSpaceBytes = soft("Max address space");
  return {
    ...(openFiles !== undefined ? { openFiles } : {}),
    ...(addressSpaceBytes !== undefined ? { addressSpaceBytes } : {}),
  };
}

/** Why mmn cannot report under the limits in force, or undefined when it can. */
export function tooTight(limits = softLimits(), passed: readonly number[] = INHERITED_FDS): string | undefined {
  const files = limits.openFiles;
  if (files === undefined) return undefined;
  // The job's open files below the limit are numbers mmn cannot have.
  const needed = MIN_OPEN_FILES + passed.filter((fd) => fd < files).length;
  if (files < needed) return `only ${files} open files are allowed (ulimit -n), mmn needs ${needed}`;
  // Bun.spawn moves every descriptor it hands on (the two pipes and the passed ones) above the
  // highest it places before it places them: an open file the job was given near or above the
  // limit (opened before the limit was lowered) leaves no room to do so. exec would keep it.
  const highest = passed.length ? Math.max(...passed) : 0;
  if (highest + 3 + passed.length > files)
    return `the job was given open file ${highest}, and under a limit of ${files} open files (ulimit -n) mmn cannot pass it on`;
  return undefined;
}

/**
 * Under a limited address space glibc gives each of Bun's threads a malloc arena of its own, up
 * to 128 MiB of address space each: under `ulimit -v 400000` the HTTP client's thread then finds
 * no room for its stack, and Bun ends the process (exit 1, "Failed to start HTTP Client thread").
 * glibc reads MALLOC_ARENA_MAX only when a process starts, so mmn starts once more with it at 1
 * (a second start, ~20 ms, under such a limit only); the command gets the user's own value, or
 * none. Not when the job gave mmn open files: Bun made them close-on-exec, and without the JIT
 * (which a limited address space costs Bun) there is no FFI to hand them on.
 */
export function oneArena(limits: SoftLimits, passed: readonly number[] = INHERITED_FDS): void {
  const restarted = process.env[ONE_ARENA];
  if (restarted !== undefined) {
    delete process.env[ONE_ARENA];
    if (restarted === "unset") delete process.env.MALLOC_ARENA_MAX;
    else process.env.MALLOC_ARENA_MAX = restarted.slice(1);
    return;
  }
  const own = process.env.MALLOC_ARENA_MAX;
  if (limits.addressSpaceBytes === undefined || own === "1" || passed.length) return;
  // Node's process.execve, which Bun has; not yet in the types this project uses.
  const { execve } = process as unknown as {
    execve?: (file: string, args: string[], env: Record<string, string>) => never;
  };
  if (!execve) return;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, { MALLOC_ARENA_MAX: "1", [ONE_ARENA]: own === undefined ? "unset" : `=${own}` });
  // A compiled mmn's argv[1] is its own script inside the binary, which it finds again by itself.
  const compiled = process.argv[1]?.startsWith("/$bunfs/") === true;
  try {
    execve(process.execPath, [process.execPath, ...process.argv.slice(compiled ? 2 : 1)], env);
  } catch {
    // Not restarted: mmn goes on as it is, and may well manage.
  }
}
