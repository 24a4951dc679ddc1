import { readdirSync, readFileSync } from "node:fs";
import { readSmall } from "../../base/small-file.ts";

/**
 * The command's process tree, read from /proc while it runs: CPU time and resident memory of
 * every process under it. Bun's resourceUsage() tells the same only after the exit, and only
 * for the processes that were waited for.
 */

export interface TreeSample {
  /** User + system time of the live processes and of the children they have waited for. */
  cpuSeconds: number;
  /** Resident memory of the live processes together (shared pages counted in each). */
  rssBytes: number;
  /**
   * The live processes' own peaks together (VmHWM, counted from each one's exec): never less
   * than the tree's resident memory at any moment they all lived through.
   */
  peakBytes: number;
  /** The command itself is stopped (SIGSTOP, SIGTSTP): suspended, while we are not. */
  stopped: boolean;
  processes: number;
  /** An srun under the command: its tasks run under Slurm's slurmstepd, not under us. */
  srun: boolean;
}

/** At most this many processes are read per sample: a tick stays cheap under a large MPI job. */
const MAX_PROCESSES = 256;

/** Clock ticks per second and the page size, from the auxiliary vector the kernel gave us. */
const { clockTicks, pageSize } = auxv();

export function sampleTree(rootPid: number): TreeSample | undefined {
  const sample: TreeSample = { cpuSeconds: 0, rssBytes: 0, peakBytes: 0, processes: 0, srun: false, stopped: false };
  const queue = [rootPid];
  let ticks = 0;
  while (queue.length && sample.processes < MAX_PROCESSES) {
    const pid = queue.shift()!;
    const stat = readSmall(`/proc/${pid}/stat`);
    if (!stat) continue;
    const close = stat.lastIndexOf(")");
    // Fields after the command name, which may hold spaces and parentheses.
    const fields = stat.slice(close + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    const rss = Number(fields[21]) * pageSize;
    sample.rssBytes += rss;
    sample.peakBytes += Math.max(rss, ownPeak(pid) ?? 0);
    if (pid === rootPid && fields[0] === "T") sample.stopped = true;
    sample.processes++;
    if (stat.slice(stat.indexOf("(") + 1, close) === "srun") sample.srun = true;
    queue.push(...children(pid));
  }
  if (sample.processes === 0) return undefined;
  sample.cpuSeconds = ticks / clockTicks;
  return sample;
}

/**
 * A process's own largest resident size: the kernel's VmHWM, of its memory since its exec. The
 * rusage that wait() gives does not exclude the copy of us the child was before its exec.
 */
export function ownPeak(pid: number | "self"): number | undefined {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readSmall(`/proc/${pid}/status`) ?? "");
  return match ? Number(match[1]) * 1024 : undefined;
}

/** Children are listed per thread: one that a worker thread started is under that thread. */
function children(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    const text = readSmall(`/proc/${pid}/task/${tid}/children`);
    if (!text) continue;
    for (const child of text.split(" ")) if (child.trim()) out.push(Number(child));
  }
  return out;
}

function auxv(): { clockTicks: number; pageSize: number } {
  const fallback = { clockTicks: 100, pageSize: 4096 };
  try {
    const raw = readFileSync("/proc/self/auxv");
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const found = { ...fallback };
    // Pairs of native words (64-bit here): AT_PAGESZ is 6, AT_CLKTCK 17.
    for (let at = 0; at + 16 <= raw.byteLength; at += 16) {
      const type = Number(view.getBigUint64(at, true));
      const value = Number(view.getBigUint64(at + 8, true));
      if (type === 6 && value > 0) found.pageSize = value;
      if (type === 17 && value > 0) found.clockTicks = value;
    }
    return found;
  } catch {
    return fallback;
  }
}
