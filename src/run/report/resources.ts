import { schedulerOf } from "../../scheduler/schedulers.ts";
import type { Resources } from "../job/watch.ts";
import { formatCpu, formatMemory, memoryPair } from "./amounts.ts";

/** What the job used against what it was given, for the card; at the end, one line of advice. */

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0;
}

function cores(n: number): string {
  return `${n} ${n === 1 ? "core" : "cores"}`;
}

export function resourceFields(r: Resources, elapsedMs: number, final: boolean): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  if (r.srun) fields.push(["CPU", "not counted: the tasks of srun run under Slurm, not under mmn"]);
  else if (r.cpuSeconds !== undefined) {
    const efficiency = percent(r.cpuSeconds, (elapsedMs / 1000) * r.allocation.cpus);
    const of =
      r.allocation.cpusFrom === "allocated" ? cores(r.allocation.cpus) : `the ${cores(r.allocation.cpus)} it may use`;
    fields.push(["CPU", `${formatCpu(r.cpuSeconds)}, ${efficiency} % of ${of}`]);
  }
  if (r.memory !== undefined) {
    const asked = r.allocation.memory;
    const whole = asked ?? r.memoryLimit;
    const amount = whole
      ? `${memoryPair(r.memory, whole)} ${asked ? "asked" : "(its cgroup's limit)"}`
      : formatMemory(r.memory);
    fields.push(["Memory", final ? `peak ${amount}` : amount]);
  }
  const gpu = r.gpu;
  if (gpu) {
    const util = `${Math.round(gpu.meanUtilization)} % busy on average (peak ${Math.round(gpu.peakUtilization)} %)`;
    fields.push([
      "GPU",
      `${gpu.count} × ${gpu.name}: ${util}, memory peak ${memoryPair(gpu.peakMemory, gpu.memoryTotal)}`,
    ]);
  }
  return fields;
}

/**
 * One line when a request was far off, as goslmailer gives: "asked 64 GiB, peak 9.1 GiB:
 * --mem=12G would do"; "CPU efficiency 11 % of 8 cores". Only for a run that went its whole
 * way: a failure's peak is no measure, nor are a few seconds' CPU.
 */
export function advice(r: Resources, elapsedMs: number): string | undefined {
  const said: string[] = [];
  const asked = r.allocation.memory ?? r.memoryLimit;
  if (asked && r.memory && asked >= 2 * r.memory && asked - r.memory >= GIB) {
    const enough = r.memory * 1.25;
    const flag = enough >= GIB ? `${Math.ceil(enough / GIB)}G` : `${Math.ceil(enough / (100 * MIB)) * 100}M`;
    const memoryFlag = schedulerOf(r.scheduler).words.memoryFlag;
    const would = memoryFlag
      ? `${memoryFlag}${flag} would do`
      : `${flag.replace(/G$/, " GiB").replace(/M$/, " MiB")} would do`;
    said.push(`asked ${formatMemory(asked)}, peak ${formatMemory(r.memory)}: ${would}`);
  }
  const { cpus } = r.allocation;
  // Cores a laptop merely has were asked of nobody.
  if (
    !r.srun &&
    r.cpuSeconds !== undefined &&
    r.allocation.cpusFrom === "allocated" &&
    cpus >= 2 &&
    elapsedMs >= 60_000
  ) {
    const efficiency = percent(r.cpuSeconds, (elapsedMs / 1000) * cpus);
    if (efficiency < 50) said.push(`CPU efficiency ${efficiency} % of ${cores(cpus)}`);
  }
  const gpu = r.gpu;
  if (gpu && gpu.samples >= 3 && gpu.meanUtilization < 10)
    said.push(`GPU ${Math.round(gpu.meanUtilization)} % busy on average`);
  return said.length ? said.join("; ") : undefined;
}
