import { ask } from "../../scheduler/ask.ts";

/**
 * The GPUs the job uses, from nvidia-smi at each tick (in the background: a tick never waits
 * for it). Only where nvidia-smi is on PATH.
 */

type Env = Record<string, string | undefined>;

interface GpuReading {
  index: string;
  name: string;
  /** Percent of the last sample period a kernel ran. */
  utilization: number;
  /** MiB, as nvidia-smi gives them with nounits. */
  memoryUsed: number;
  memoryTotal: number;
}

export interface GpuSummary {
  count: number;
  /** "NVIDIA A100-SXM4-40GB", or several names joined when they differ. */
  name: string;
  samples: number;
  /** Over all samples and GPUs. */
  meanUtilization: number;
  peakUtilization: number;
  /** The most one GPU held, and what one has, in bytes. */
  peakMemory: number;
  memoryTotal: number;
}

const QUERY = "--query-gpu=index,name,utilization.gpu,memory.used,memory.total";
const TIMEOUT_MS = 5000;

export function parseGpuCsv(text: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of text.split("\n")) {
    const [index, name, utilization, used, total] = line.split(",").map((f) => f.trim());
    const numbers = [utilization, used, total].map(Number);
    if (!index || !name || numbers.some((n) => !Number.isFinite(n))) continue;
    const [u, m, t] = numbers as [number, number, number];
    out.push({ index, name, utilization: u, memoryUsed: m, memoryTotal: t });
  }
  return out;
}

export class GpuMeter {
  /** The job's own GPUs (Slurm's indices, else CUDA's), until nvidia-smi refuses them. */
  #ids: string | undefined;
  #busy = false;
  #samples = 0;
  #utilSum = 0;
  #utilCount = 0;
  #peakUtil = 0;
  #gpus = new Map<string, { name: string; peak: number; total: number }>();

  private constructor(ids: string | undefined) {
    this.#ids = ids;
  }

  /** `jobGpus`: the ones the scheduler gave the job, which CUDA_VISIBLE_DEVICES stands in for. */
  static find(jobGpus: string | undefined, env: Env = process.env): GpuMeter | undefined {
    if (!Bun.which("nvidia-smi")) return undefined;
    const ids = [jobGpus, env.CUDA_VISIBLE_DEVICES].find((v) => v && /^[\w:.,-]+$/.test(v));
    return new GpuMeter(ids);
  }

  /** Starts one reading unless one is still on its way. */
  sample(): void {
    if (this.#busy) return;
    this.#busy = true;
    const ids = this.#ids;
    ask(["nvidia-smi", QUERY, "--format=csv,noheader,nounits", ...(ids ? ["-i", ids] : [])], TIMEOUT_MS)
      .then((output) => {
        // An index list nvidia-smi does not know (renumbered by a cgroup): all it sees, next time.
        if (output === undefined && ids) this.#ids = undefined;
        if (output) this.#add(parseGpuCsv(output));
      })
      .finally(() => (this.#busy = false));
  }

  #add(readings: GpuReading[]): void {
    if (!readings.length) return;
    this.#samples++;
    for (const r of readings) {
      this.#utilSum += r.utilization;
      this.#utilCount++;
      this.#peakUtil = Math.max(this.#peakUtil, r.utilization);
      const gpu = this.#gpus.get(r.index) ?? { name: r.name, peak: 0, total: r.memoryTotal };
      gpu.peak = Math.max(gpu.peak, r.memoryUsed);
      this.#gpus.set(r.index, gpu);
    }
  }

  summary(): GpuSummary | undefined {
    if (!this.#samples) return undefined;
    const gpus = [...this.#gpus.values()];
    const MIB = 1024 * 1024;
    return {
      count: gpus.length,
      name: [...new Set(gpus.map((g) => g.name))].join(", "),
      samples: this.#samples,
      meanUtilization: this.#utilSum / this.#utilCount,
      peakUtilization: this.#peakUtil,
      peakMemory: Math.max(...gpus.map((g) => g.peak)) * MIB,
      memoryTotal: Math.max(...gpus.map((g) => g.total)) * MIB,
    };
  }
}
