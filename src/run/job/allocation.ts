import { availableParallelism } from "node:os";
import { readSmall } from "../../base/small-file.ts";
import type { Env, JobContext } from "../../scheduler/scheduler.ts";
import { schedulerOf } from "../../scheduler/schedulers.ts";

/** What the job was given to use on this node: CPUs and memory, and where each number comes from. */
export interface Allocation {
  cpus: number;
  /** "allocated" by the scheduler, or "usable": the cores this process may run on. */
  cpusFrom: "allocated" | "usable";
  /** Asked of the scheduler (--mem), in bytes; the cgroup's limit is read apart. */
  memory?: number;
}

export function allocation(job: JobContext | undefined, env: Env = process.env): Allocation {
  const allocated = job ? schedulerOf(job).allocated(env) : {};
  const cpus = allocated.cpus ?? usableCpus();
  const memory = allocated.memory ?? (allocated.memoryPerCpu ? allocated.memoryPerCpu * cpus : undefined);
  return { cpus, cpusFrom: allocated.cpus ? "allocated" : "usable", ...(memory ? { memory } : {}) };
}

/** The cores this process may run on (its affinity, which a cpuset narrows), else the machine's. */
export function usableCpus(status = readSmall("/proc/self/status")): number {
  const list = status && /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1];
  if (!list) return availableParallelism();
  let n = 0;
  for (const range of list.split(",")) {
    const [from, to = from] = range.split("-").map(Number);
    if (from !== undefined && to !== undefined && to >= from) n += to - from + 1;
  }
  return n || availableParallelism();
}
