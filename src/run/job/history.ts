import type { Resources } from "./watch.ts";

/** What the job used at one moment of the run: for the card's sparklines and the end's chart. */
export interface UsagePoint {
  /** Since the start of the run. */
  atMs: number;
  /** CPU in use since the point before, in % of the cores the job was given (100: all of them busy). */
  cpu?: number;
  /** Resident memory now, in bytes. */
  memory?: number;
  /** GPU busy since the point before, in %, over the job's GPUs. */
  gpu?: number;
}

export interface UsageSeries {
  points: readonly UsagePoint[];
  /** What the memory is measured against: the amount asked of the scheduler, else the cgroup's limit. */
  memoryOf?: number;
}

/** A week at one point a tick would be 20,000 points: past this many, two neighbours become one. */
const MAX_POINTS = 480;

/**
 * The run's usage over time, bounded: when it is full, pairs of points are merged (CPU and GPU
 * averaged, memory's peak kept) and points are kept half as often from then on, so that a run of
 * any length is drawn whole at the same cost.
 */
export class UsageHistory {
  #points: UsagePoint[] = [];
  /** One tick in this many becomes a point. */
  #every = 1;
  #ticks = 0;
  #last: { atMs: number; cpuSeconds?: number; gpuBusy?: number; gpuSamples?: number } | undefined;
  #memoryOf: number | undefined;

  record(atMs: number, r: Resources): void {
    if (this.#ticks++ % this.#every !== 0) return;
    this.#memoryOf = r.allocation.memory ?? r.memoryLimit;
    const last = this.#last;
    const gpu = r.gpu;
    const gpuBusy = gpu ? gpu.meanUtilization * gpu.samples : undefined;
    this.#last = {
      atMs,
      ...(r.cpuSeconds !== undefined ? { cpuSeconds: r.cpuSeconds } : {}),
      ...(gpuBusy !== undefined && gpu ? { gpuBusy, gpuSamples: gpu.samples } : {}),
    };
    if (!last || atMs <= last.atMs) return;
    const cpu =
      !r.srun && r.cpuSeconds !== undefined && last.cpuSeconds !== undefined
        ? ((r.cpuSeconds - last.cpuSeconds) / ((atMs - last.atMs) / 1000) / r.allocation.cpus) * 100
        : undefined;
    const newSamples = gpu && last.gpuSamples !== undefined ? gpu.samples - last.gpuSamples : 0;
    const gpuNow =
      gpuBusy !== undefined && newSamples > 0 ? (gpuBusy - (last.gpuBusy ?? 0)) / newSamples : gpu?.meanUtilization;
    this.#points.push({
      atMs,
      ...(cpu !== undefined ? { cpu: clampPercent(cpu) } : {}),
      ...(r.memory !== undefined ? { memory: r.memory } : {}),
      ...(gpuNow !== undefined ? { gpu: clampPercent(gpuNow) } : {}),
    });
    if (this.#points.length >= MAX_POINTS) this.#halve();
  }

  series(): UsageSeries {
    return { points: this.#points, ...(this.#memoryOf ? { memoryOf: this.#memoryOf } : {}) };
  }

  #halve(): void {
    const merged: UsagePoint[] = [];
    for (let i = 0; i + 1 < this.#points.length; i += 2) merged.push(merge(this.#points[i]!, this.#points[i + 1]!));
    if (this.#points.length % 2) merged.push(this.#points.at(-1)!);
    this.#points = merged;
    this.#every *= 2;
  }
}

function merge(a: UsagePoint, b: UsagePoint): UsagePoint {
  const mean = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : (x + y) / 2);
  const cpu = mean(a.cpu, b.cpu);
  const gpu = mean(a.gpu, b.gpu);
  const memory = Math.max(a.memory ?? -1, b.memory ?? -1);
  return {
    atMs: b.atMs,
    ...(cpu !== undefined ? { cpu } : {}),
    ...(memory >= 0 ? { memory } : {}),
    ...(gpu !== undefined ? { gpu } : {}),
  };
}

/** A process that used more than its share (threads beyond the cores given, a clock read late) shows as full, not past it. */
function clampPercent(value: number): number {
  return Math.max(0, Math.min(100, value));
}
