import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { lockFile } from "../../src/hooks/hook-lock.ts";

const dir = () => mkdtempSync(join(tmpdir(), "mmn-lock-"));
const ONCE = join(import.meta.dir, "fixtures", "lock-once.ts");

test("processes that take the lock, write and exit at once never overlap (the holder exits right after releasing)", async () => {
  const where = dir();
  const [lock, counter] = [join(where, "id.msg.lock"), join(where, "count")];
  // A waiter that read the holder's name just before it released and exited must not take
  // the next holder's lock for the dead one's (seen: 1 update in 100 lost).
  for (let round = 0; round < 4; round++) {
    const runs = Array.from({ length: 25 }, () =>
      Bun.spawn([process.execPath, ONCE, lock, counter], { stderr: "pipe" }),
    );
    const codes = await Promise.all(runs.map((run) => run.exited));
    expect(codes).toEqual(Array(25).fill(0));
  }
  expect(readFileSync(counter, "utf8")).toBe("100");
  expect(existsSync(lock)).toBe(false);
  // 100 processes: 4 s on an idle machine, 18 s and more on a loaded one.
}, 120_000);

test("a holder that released and exited while a waiter judged its lock: the next holder's lock is not broken", async () => {
  const lock = join(dir(), "race.msg.lock");
  writeFileSync(lock, `99999999@${hostname()} released and exited\n`);
  const next = `${process.pid}@${hostname()} the next holder\n`;
  // Between the waiter's look at the dead holder's lock and its breaking it, the holder's
  // release and the next holder's lock happen: as under 50 tasks sending one id at once.
  const afterJudging = async () => {
    rmSync(lock);
    writeFileSync(lock, next);
  };
  await expect(lockFile(lock, { maxWaitMs: 50, afterJudging })).rejects.toThrow(/stayed locked/);
  expect(readFileSync(lock, "utf8")).toBe(next);
});

test("a lock left by a process that died on this host is broken at once", async () => {
  const lock = join(dir(), "x.msg.lock");
  writeFileSync(lock, `99999999@${hostname()} 2026-01-01T00:00:00.000Z\n`);
  const release = await lockFile(lock, { maxWaitMs: 100 });
  expect(readFileSync(lock, "utf8")).toStartWith(`${process.pid}@`);
  await release();
  expect(existsSync(lock)).toBe(false);
});

test("a live holder's lock is waited for; an old untouched one (a node that went down) is broken", async () => {
  const lock = join(dir(), "y.msg.lock");
  writeFileSync(lock, `${process.pid}@${hostname()} now\n`);
  await expect(lockFile(lock, { maxWaitMs: 50 })).rejects.toThrow(/stayed locked for 0 s by \d+@/);
  writeFileSync(lock, "1@another-node then\n");
  const old = new Date(Date.now() - 10 * 60_000);
  utimesSync(lock, old, old);
  const release = await lockFile(lock, { maxWaitMs: 100 });
  await release();
});
