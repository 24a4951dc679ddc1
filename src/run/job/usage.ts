import type { JobCgroup, MemoryAtEnd } from "./cgroup.ts";
import { sampleTree } from "./tree.ts";

/** What the command's whole tree used: CPU time and memory, while it runs and at its end. */

/** The child's own rusage after its exit, with the children it waited for. */
export interface ExitUsage {
  cpuSeconds: number;
  maxRssBytes: number;
}

export interface UsageNow {
  cpuSeconds?: number;
  /** The limited cgroup's usage when there is one, else the tree's resident memory. */
  memory?: number;
  /** An srun in the tree: its tasks' CPU time is Slurm's, not counted here. */
  srun: boolean;
}

export interface UsageAtEnd {
  cpuSeconds?: number;
  /** The larger of the tree's largest resident memory and the job cgroup's peak. */
  peakMemory?: number;
  srun: boolean;
  memory?: MemoryAtEnd;
}

export class UsageMeter {
  #pid: number | undefined;
  #cpu: number | undefined;
  #treeRss: number | undefined;
  #peakTreeRss = 0;
  #cgroupUsage: number | undefined;
  #peakCgroupUsage = 0;
  #srun = false;

  constructor(private readonly cgroup: JobCgroup | undefined) {}

  /** The job cgroup's limit, when it has one. */
  get memoryLimit(): number | undefined {
    return this.cgroup?.limit;
  }

  watch(pid: number | undefined): void {
    this.#pid = pid;
  }

  /** A few small reads of /proc and the cgroup, at each tick. */
  sample(): void {
    const tree = this.#pid === undefined ? undefined : sampleTree(this.#pid);
    if (tree) {
      this.#cpu = Math.max(this.#cpu ?? 0, tree.cpuSeconds);
      this.#treeRss = tree.rssBytes;
      this.#peakTreeRss = Math.max(this.#peakTreeRss, tree.rssBytes);
      this.#srun ||= tree.srun;
    }
    const usage = this.cgroup?.usage();
    if (usage !== undefined) {
      this.#cgroupUsage = usage;
      this.#peakCgroupUsage = Math.max(this.#peakCgroupUsage, usage);
    }
  }

  now(): UsageNow {
    const memory = this.#cgroupUsage ?? this.#treeRss;
    return {
      ...(this.#cpu !== undefined ? { cpuSeconds: this.#cpu } : {}),
      ...(memory !== undefined ? { memory } : {}),
      srun: this.#srun,
    };
  }

  /**
   * After the exit: the rusage covers what was waited for, the samples what was not (a
   * background process the command left), the cgroup the job as the kernel charged it.
   */
  end(exit: ExitUsage | undefined): UsageAtEnd {
    const memory = this.cgroup?.end();
    const cpu = Math.max(exit?.cpuSeconds ?? 0, this.#cpu ?? 0);
    const peak = Math.max(exit?.maxRssBytes ?? 0, this.#peakTreeRss, memory?.peak ?? this.#peakCgroupUsage);
    return {
      ...(exit || this.#cpu !== undefined ? { cpuSeconds: cpu } : {}),
      ...(peak > 0 ? { peakMemory: peak } : {}),
      srun: this.#srun,
      ...(memory ? { memory } : {}),
    };
  }
}
