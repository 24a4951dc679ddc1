import { openLibc } from "./libc.ts";

/**
 * The machine's own time, as the job's users read their clocks: "2026-12-01 14:03:05 UTC+01:00".
 * The offset, not the zone's name. Asked of libc's localtime_r (the zone `date` uses: TZ, else
 * /etc/localtime), not of Date's local getters: those start ICU's time zones, which left 4.4 MiB
 * more resident (code, data and heap) in a wrapper that idles beside every job for its whole
 * life. Date's getters where there is no FFI.
 */
export function localTime(date: Date): string {
  const { year, month, day, hours, minutes, seconds, offsetMinutes } = fromLibc(date) ?? fromDate(date);
  const pad = (n: number) => String(n).padStart(2, "0");
  const zone = `UTC${offsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  return `${year}-${pad(month)}-${pad(day)} ${pad(hours)}:${pad(minutes)}:${pad(seconds)} ${zone}`;
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
  /** East of UTC. */
  offsetMinutes: number;
}

const openLocaltime = () => openLibc({ localtime_r: { args: ["ptr", "ptr"], returns: "ptr" } });
/** Opened at the first call; false when there is no FFI, so it is not asked again. */
let libc: ReturnType<typeof openLocaltime> | false | undefined;

function fromLibc(date: Date): Fields | undefined {
  if (libc === undefined) libc = openLocaltime() ?? false;
  const seconds = Math.floor(date.getTime() / 1000);
  if (!libc || !Number.isFinite(seconds)) return undefined;
  const time = new BigInt64Array([BigInt(seconds)]);
  // struct tm of glibc and musl on 64-bit Linux: nine ints, then long tm_gmtoff at byte 40.
  const tm = new BigInt64Array(8);
  if (!libc.localtime_r(time, tm)) return undefined;
  const ints = new Int32Array(tm.buffer);
  return {
    seconds: ints[0]!,
    minutes: ints[1]!,
    hours: ints[2]!,
    day: ints[3]!,
    month: ints[4]! + 1,
    year: ints[5]! + 1900,
    offsetMinutes: Math.round(Number(tm[5]) / 60),
  };
}

function fromDate(date: Date): Fields {
  return {
    year: date.getFullYear(),
    month: date.getMonth() + 1,
    day: date.getDate(),
    hours: date.getHours(),
    minutes: date.getMinutes(),
    seconds: date.getSeconds(),
    offsetMinutes: -date.getTimezoneOffset(),
  };
}
