/** Times, durations and amounts as the schedulers write them. */

/** Slurm's times carry no zone: they are the machine's ("2026-12-01T23:47:11"). */
export function parseLocalTime(text: string): number | undefined {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)$/.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

/** "HH:MM:SS" (hours past 24 too, "100:00:00"), as PBS and LSF write a duration. */
export function parseHms(text: string): number | undefined {
  const match = /^(\d+):(\d\d):(\d\d)$/.exec(text.trim());
  return match ? ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000 : undefined;
}

/** The limit as --time takes it: "1:00:00", "2-00:00:00". */
export function formatLimit(ms: number): string {
  const total = Math.round(ms / 1000);
  const days = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const hms = `${days ? String(h).padStart(2, "0") : h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return days ? `${days}-${hms}` : hms;
}

const MIB = 1024 * 1024;

/** An amount of memory, "16384" in `unit`s (Slurm's MiB) or with its letter ("16G", "3276kb"), in bytes. */
export function parseMemory(value: string | undefined, unit = MIB): number | undefined {
  const match = value && /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*$/i.exec(value);
  if (!match) return undefined;
  const scale: Record<string, number> = { K: 1024, M: MIB, G: 1024 * MIB, T: 1024 * 1024 * MIB };
  const bytes = Number(match[1]) * (match[2] ? scale[match[2].toUpperCase()]! : unit);
  return bytes > 0 ? bytes : undefined;
}
