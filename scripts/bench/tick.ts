// What the job's readings cost a tick: the command's process tree from /proc and the job
// cgroup's usage, read in this process as mmn run reads them, many times over.
import { JobCgroup } from "../../src/run/job/cgroup.ts";
import { UsageMeter } from "../../src/run/job/usage.ts";
import { limitedCgroup } from "../../test/helpers/cgroup.ts";
import { median } from "./measure.ts";

export interface TickCost {
  processes: number;
  /** Whether a memory-limited cgroup was read too (it needs root to make one). */
  cgroup: boolean;
  medianMs: number;
  p99Ms: number;
}

export async function tickCost(runs: number): Promise<TickCost> {
  // A tree like a job's: a shell, a Python-like worker with threads, a few children.
  const tree = Bun.spawn(["bash", "-c", "for i in 1 2 3 4 5 6; do sleep 300 & done; echo ready; wait"], {
    stdout: "pipe",
    stderr: "ignore",
    detached: true,
  });
  await tree.stdout.getReader().read();
  const limited = limitedCgroup(`mmn-bench-${process.pid}`, 1024 ** 3);
  try {
    const meter = new UsageMeter(limited ? new JobCgroup(limited.place) : undefined);
    meter.watch(tree.pid);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      meter.sample();
      times.push(performance.now() - started);
    }
    const sorted = times.toSorted((a, b) => a - b);
    return {
      processes: 7,
      cgroup: limited !== undefined,
      medianMs: median(times),
      p99Ms: sorted[Math.floor(sorted.length * 0.99)]!,
    };
  } finally {
    process.kill(-tree.pid, "SIGKILL");
    limited?.remove();
  }
}
