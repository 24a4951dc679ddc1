import type { UsageSeries } from "../job/history.ts";
import { formatMemory } from "./amounts.ts";

const BARS = "▁▂▃▄▅▆▇█";
/** As wide as a card's short field shows on a phone. */
const WIDTH = 24;

/** The values as bars, `max` the top one, over at most WIDTH characters (each the mean of its share of the values). */
export function sparkline(values: readonly number[], max: number): string {
  if (!values.length || !(max > 0)) return "";
  const width = Math.min(WIDTH, values.length);
  let line = "";
  for (let i = 0; i < width; i++) {
    const share = values.slice(Math.floor((i * values.length) / width), Math.floor(((i + 1) * values.length) / width));
    const mean = share.reduce((sum, v) => sum + v, 0) / share.length;
    const level = Math.round((Math.max(0, Math.min(mean, max)) / max) * (BARS.length - 1));
    line += BARS[level];
  }
  return line;
}

/** The card's fields of the run's usage over time: CPU and GPU against 100 %, memory against what was asked (or its peak). */
export function sparkFields(series: UsageSeries | undefined): Array<[string, string]> {
  const points = series?.points ?? [];
  if (points.length < 2) return [];
  const fields: Array<[string, string]> = [];
  const of = (pick: (p: (typeof points)[number]) => number | undefined) =>
    points.map(pick).filter((v): v is number => v !== undefined);
  const cpu = of((p) => p.cpu);
  if (cpu.length >= 2) fields.push(["CPU over the run", `${sparkline(cpu, 100)} (of 100 %)`]);
  const memory = of((p) => p.memory);
  if (memory.length >= 2) {
    const top = series?.memoryOf ?? Math.max(...memory);
    fields.push(["Memory over the run", `${sparkline(memory, top)} (of ${formatMemory(top)})`]);
  }
  const gpu = of((p) => p.gpu);
  if (gpu.length >= 2) fields.push(["GPU over the run", `${sparkline(gpu, 100)} (of 100 %)`]);
  return fields;
}
