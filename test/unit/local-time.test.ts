import { expect, test } from "bun:test";
import { join } from "node:path";

// The machine's time as `date` tells it, for a zone set by TZ: each case in a process of its
// own, as libc reads TZ once.
const MODULE = join(import.meta.dir, "../../src/base/local-time.ts");
const AT = 1_780_000_000; // 2026-05-28, summer time north of the equator

async function run(argv: string[], tz: string): Promise<string> {
  const proc = Bun.spawn(argv, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TZ: tz }, stdout: "pipe" });
  const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return out.trim();
}

test.skipIf(process.platform !== "linux")(
  "localTime says what date says, offset included, in zones east, west, half and quarter hours off",
  async () => {
    for (const tz of ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham"]) {
      const ours = await run(
        [
          process.execPath,
          "-e",
          `console.log((await import(${JSON.stringify(MODULE)})).localTime(new Date(${AT} * 1000)))`,
        ],
        tz,
      );
      const date = await run(["date", "-d", `@${AT}`, "+%Y-%m-%d %H:%M:%S UTC%:z"], tz);
      expect(ours).toBe(date);
    }
  },
);
