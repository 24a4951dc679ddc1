/** Amounts in messages: durations and memory, short, in the units a person would say. */

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m ${String(sec).padStart(2, "0")}s`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/** "2h 05m", "5m", "40s": how long ago, to the minute once it is minutes. */
export function formatAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m` : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

const UNITS = [
  ["TiB", 1024 ** 4],
  ["GiB", 1024 ** 3],
  ["MiB", 1024 ** 2],
  ["KiB", 1024],
] as const;

function unitFor(bytes: number): readonly [string, number] {
  return UNITS.find(([, size]) => bytes >= size) ?? UNITS[UNITS.length - 1]!;
}

/** One decimal below 100, none from there, no trailing zero: 9.1, 15.9, 16, 200. */
function figure(value: number): string {
  return String(Number(value.toFixed(value >= 100 ? 0 : 1)));
}

export function formatMemory(bytes: number): string {
  const [unit, size] = unitFor(bytes);
  return `${figure(bytes / size)} ${unit}`;
}

/** "15.9 of 16 GiB": both in the unit of the larger; "308 MiB of 8 GiB" when the part is less than one of it. */
export function memoryPair(part: number, whole: number): string {
  const [unit, size] = unitFor(Math.max(part, whole));
  if (part < size) return `${formatMemory(part)} of ${formatMemory(whole)}`;
  return `${figure(part / size)} of ${figure(whole / size)} ${unit}`;
}

/** CPU time: tenths of a second while it is seconds. */
export function formatCpu(seconds: number): string {
  return seconds < 60 ? `${Number(seconds.toFixed(1))}s` : formatDuration(seconds * 1000);
}
