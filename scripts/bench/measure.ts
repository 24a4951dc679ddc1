import { readFileSync } from "node:fs";

/** Wall time of a command, in seconds; fails loudly when it fails. */
export async function spawnTimed(argv: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const proc = Bun.spawn(argv, { env, stdout: "ignore", stderr: "pipe" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${argv[0]} exited ${code}: ${stderr}`);
  return seconds;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Sample {
  /** VmHWM in KiB: the peak resident set, which only grows, so the last sample is the peak. */
  hwmKb: number;
  /** utime + stime in clock ticks. */
  ticks: number;
}

const CLOCK_TICKS = 100;

/** Samples a process until it exits; resolves with the last sample taken. */
export function watchProcess(pid: number, everyMs: number): Promise<Sample> {
  return new Promise((resolve) => {
    let last: Sample = { hwmKb: 0, ticks: 0 };
    const timer = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        if (/^State:\s+Z/m.test(status)) throw new Error("zombie");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        last = {
          hwmKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0),
          ticks: Number(fields[11]) + Number(fields[12]),
        };
      } catch {
        clearInterval(timer);
        resolve(last);
      }
    }, everyMs);
  });
}

export const peakRss = (sample: Sample) => sample.hwmKb;
export const cpuSeconds = (sample: Sample) => sample.ticks / CLOCK_TICKS;

export interface Resident {
  rssKb: number;
  anonKb: number;
}

/** The resident set now, in KiB, and its anonymous part (heap and stacks: what cannot be dropped). */
export function resident(pid: number): Resident {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
    anonKb: Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}

/** Each process's resident set every `everyMs` for `forMs`. */
export async function sampleResident(pids: number[], forMs: number, everyMs: number): Promise<Resident[][]> {
  const samples: Resident[][] = pids.map(() => []);
  for (const until = performance.now() + forMs; performance.now() < until; await Bun.sleep(everyMs))
    for (const [i, pid] of pids.entries()) samples[i]!.push(resident(pid));
  return samples;
}

export function medianResident(samples: Resident[]): Resident {
  return { rssKb: median(samples.map((s) => s.rssKb)), anonKb: median(samples.map((s) => s.anonKb)) };
}
