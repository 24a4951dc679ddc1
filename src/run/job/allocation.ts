import { availableParallelism } from "node:os";
import type { JobContext } from "../report/job.ts";
import { readSmall } from "./small-file.ts";

/** What the job was given to use on this node: CPUs and memory, and where each number comes from. */
export interface Allocation {
  cpus: number;
  /** "allocated" by the scheduler, or "usable": the cores this process may run on. */
  cpusFrom: "allocated" | "usable";
  /** Asked of the scheduler (--mem), in bytes; the cgroup's limit is read apart. */
  memory?: number;
}

type Env = Record<string, string | undefined>;

const MIB = 1024 * 1024;

/** Slurm gives memory in MiB ("16384"); a unit letter, where one comes, is honoured. */
export function parseMemory(value: string | undefined, unit = MIB): number | undefined {
  const match = value && /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*$/i.exec(value);
  if (!match) return undefined;
  const scale: Record<string, number> = { K: 1024, M: MIB, G: 1024 * MIB, T: 1024 * 1024 * MIB };
  const bytes = Number(match[1]) * (match[2] ? scale[match[2].toUpperCase()]! : unit);
  return bytes > 0 ? bytes : undefined;
}

function count(value: string | undefined): number | undefined {
  const n = value === undefined ? Number.NaN : Number(value.trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function allocation(job: JobContext | undefined, env: Env = process.env): Allocation {
  const allocated = job && allocatedCpus(job.scheduler, env);
  const cpus = allocated ?? usableCpus();
  const memory = job?.scheduler === "slurm" ? slurmMemory(env, cpus) : undefined;
  return { cpus, cpusFrom: allocated ? "allocated" : "usable", ...(memory ? { memory } : {}) };
}

function allocatedCpus(scheduler: JobContext["scheduler"], env: Env): number | undefined {
  if (scheduler === "slurm") return count(env.SLURM_CPUS_ON_NODE) ?? count(env.SLURM_CPUS_PER_TASK);
  // PBS Pro names it NCPUS, Torque counts the slots of this node in PBS_NUM_PPN.
  if (scheduler === "pbs") return count(env.PBS_NCPUS) ?? count(env.NCPUS) ?? count(env.PBS_NUM_PPN);
  return count(env.LSB_DJOB_NUMPROC);
}

/** --mem is per node; --mem-per-cpu times the CPUs of this node. */
function slurmMemory(env: Env, cpus: number): number | undefined {
  const perNode = parseMemory(env.SLURM_MEM_PER_NODE);
  if (perNode) return perNode;
  const perCpu = parseMemory(env.SLURM_MEM_PER_CPU);
  return perCpu ? perCpu * cpus : undefined;
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
