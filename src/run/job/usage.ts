import { readSmall } from "../../base/small-file.ts";
import type { MemoryAtEnd } from "../../scheduler/cause.ts";
import type { JobCgroup } from "./cgroup.ts";
import { ownPeak, sampleTree } from "./tree.ts";

/**
 * What the command's whole tree used: CPU time and memory, while it runs and at its end. The
 * memory is the command's own: not mmn's, which shares the job's cgroup, nor the copy of mmn
 * the child was before its exec, which the rusage of wait() counts.
 */

/** The child's own rusage after its exit, with the children it waited for. */
export interface ExitUsage {
  cpuSeconds: number;
  maxRssBytes: number;
}

export interface UsageNow {
  cpuSeconds?: number;
  /** The limited cgroup's usage less mmn's when there is one, else the tree's resident memory. */
  memory?: number;
  /** An srun in the tree: its tasks' CPU time is Slurm's, not counted here. */
  srun: boolean;
  /** The command is stopped (SIGSTOP) while we run: since when, ms since the epoch. */
  stoppedSince?: number;
}

export interface UsageAtEnd {
  cpuSeconds?: number;
  /** The largest of the tree's own peaks, the rusage's (when it is the command's) and the cgroup's less mmn. */
  peakMemory?: number;
  srun: boolean;
  memory?: MemoryAtEnd;
}

export class UsageMeter {
  #pid: number | undefined;
  #cpu: number | undefined;
  #treeRss: number | undefined;
  #peakTree = 0;
  #cgroupUsage: number | undefined;
  #peakCgroupUsage = 0;
  #srun = false;
  /** Our own peak when the child was made: its rusage counts that copy of us, until it exceeds it. */
  #ourPeakAtSpawn = 0;
  #stoppedSince: number | undefined;

  constructor(private readonly cgroup: JobCgroup | undefined) {}

  /** The job cgroup's limit, when it has one. */
  get memoryLimit(): number | undefined {
    return this.cgroup?.limit;
  }

  watch(pid: number | undefined): void {
    this.#pid = pid;
    this.#ourPeakAtSpawn = ownPeak("self") ?? 0;
  }

  /** A few small reads of /proc and the cgroup, at each tick. */
  sample(): void {
    const tree = this.#pid === undefined ? undefined : sampleTree(this.#pid);
    if (tree) {
      this.#cpu = Math.max(this.#cpu ?? 0, tree.cpuSeconds);
      this.#treeRss = tree.rssBytes;
      this.#peakTree = Math.max(this.#peakTree, tree.peakBytes);
      this.#srun ||= tree.srun;
      this.#stoppedSince = tree.stopped ? (this.#stoppedSince ?? Date.now()) : undefined;
    }
    const usage = this.cgroup?.usage();
    if (usage !== undefined) {
      this.#cgroupUsage = Math.max(0, usage - ourResident());
      this.#peakCgroupUsage = Math.max(this.#peakCgroupUsage, this.#cgroupUsage);
    }
  }

  now(): UsageNow {
    const memory = this.#cgroupUsage !== undefined ? Math.max(this.#cgroupUsage, this.#treeRss ?? 0) : this.#treeRss;
    return {
      ...(this.#cpu !== undefined ? { cpuSeconds: this.#cpu } : {}),
      ...(memory !== undefined ? { memory } : {}),
      srun: this.#srun,
      ...(this.#stoppedSince !== undefined ? { stoppedSince: this.#stoppedSince } : {}),
    };
  }

  /**
   * After the exit: the rusage covers what was waited for, the samples what was not (a
   * background process the command left), the cgroup the job as the kernel charged it.
   */
  end(exit: ExitUsage | undefined): UsageAtEnd {
    const memory = this.cgroup?.end();
    const cpu = Math.max(exit?.cpuSeconds ?? 0, this.#cpu ?? 0);
    // Not above ours at the spawn: the rusage may be that copy of us alone, and tells nothing of the command.
    const rusage = (exit?.maxRssBytes ?? 0) > this.#ourPeakAtSpawn ? exit!.maxRssBytes : 0;
    const cgroupPeak = memory?.peak !== undefined ? Math.max(0, memory.peak - ourResident()) : this.#peakCgroupUsage;
    const peak = Math.max(rusage, this.#peakTree, cgroupPeak);
    return {
      ...(exit || this.#cpu !== undefined ? { cpuSeconds: cpu } : {}),
      ...(peak > 0 ? { peakMemory: peak } : {}),
      srun: this.#srun,
      ...(memory ? { memory } : {}),
    };
  }
}

/** Our own resident memory now: it counts in the job's cgroup, and is not the command's. */
function ourResident(): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readSmall("/proc/self/status") ?? "");
  return match ? Number(match[1]) * 1024 : 0;
}
