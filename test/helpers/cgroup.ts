// A memory-limited cgroup of the test's own, for an out-of-memory case outside Slurm: v1's memory
// hierarchy, or v2 where its root delegates the memory controller. Needs root.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface LimitedCgroup {
  /** Where a process joins it: write its pid here. */
  procs: string;
  /** Where it is, as mmn's JobCgroup takes it. */
  place: { version: 1 | 2; dir: string; mount: string };
  remove(): void;
}

export function limitedCgroup(name: string, bytes: number): LimitedCgroup | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const v1 = "/sys/fs/cgroup/memory";
  const v2 = "/sys/fs/cgroup";
  try {
    if (existsSync(join(v1, "memory.limit_in_bytes"))) {
      const dir = join(v1, name);
      mkdirSync(dir);
      writeFileSync(join(dir, "memory.limit_in_bytes"), String(bytes));
      // No swap to escape to: the limit is the kill.
      if (existsSync(join(dir, "memory.memsw.limit_in_bytes")))
        writeFileSync(join(dir, "memory.memsw.limit_in_bytes"), String(bytes));
      return cgroup({ version: 1, dir, mount: v1 });
    }
    const controllers = join(v2, "cgroup.subtree_control");
    if (
      existsSync(controllers) &&
      readFileSync(controllers, "utf8")
        .split(" ")
        .map((c) => c.trim())
        .includes("memory")
    ) {
      const dir = join(v2, name);
      mkdirSync(dir);
      writeFileSync(join(dir, "memory.max"), String(bytes));
      if (existsSync(join(dir, "memory.swap.max"))) writeFileSync(join(dir, "memory.swap.max"), "0");
      return cgroup({ version: 2, dir, mount: v2 });
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function cgroup(place: LimitedCgroup["place"]): LimitedCgroup {
  return {
    procs: join(place.dir, "cgroup.procs"),
    place,
    remove() {
      try {
        rmdirSync(place.dir);
      } catch {
        // A process still in it (the test failed half-way): the kernel keeps it until it ends.
      }
    },
  };
}
