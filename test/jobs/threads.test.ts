import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type JobThread, JobThreads, threadKey } from "../../src/jobs/threads.ts";

const id26 = (seed: string) => seed.padEnd(26, "0");
const store = () => {
  const root = mkdtempSync(join(tmpdir(), "mmn-threads-"));
  chmodSync(root, 0o700);
  return new JobThreads(join(root, ".jobs"));
};
const entry = (key: string, post: string, by: JobThread["by"] = "watch"): JobThread => ({
  key,
  postId: id26(post),
  channelId: id26("c1"),
  server: "http://x",
  by,
  at: 1,
});

describe("one thread per job", () => {
  test("a job and an array have keys of their own", () => {
    expect(threadKey("slurm", "1234")).toBe("slurm:1234");
    expect(threadKey("slurm", "1234", { array: true })).toBe("slurm:array:1234");
  });

  test("the first speaker's post holds; the second finds it by the job's id", async () => {
    const threads = store();
    expect(await threads.find("slurm:77")).toBeUndefined();
    expect(await threads.claim(entry("slurm:77", "w1"))).toEqual(entry("slurm:77", "w1"));
    expect(await threads.claim(entry("slurm:77", "r1", "run"))).toEqual(entry("slurm:77", "w1"));
    expect(await threads.find("slurm:77")).toEqual(entry("slurm:77", "w1"));
    expect(await threads.find("slurm:array:77")).toBeUndefined();
    expect(readdirSync(threads.dir)).toEqual(["slurm_77.thread"]);
    await threads.forget("slurm:77");
    expect(await threads.find("slurm:77")).toBeUndefined();
  });

  test("of two speakers at once, one wins and both are told the same post", async () => {
    const threads = store();
    const both = await Promise.all([threads.claim(entry("slurm:9", "a1")), threads.claim(entry("slurm:9", "b1"))]);
    expect(both[0]).toEqual(both[1]);
  });

  test("a planted symlink or a broken file is no thread, and a claim replaces the broken one", async () => {
    const threads = store();
    mkdirSync(threads.dir, { mode: 0o700 });
    const elsewhere = join(threads.dir, "..", "x.json");
    writeFileSync(elsewhere, JSON.stringify(entry("slurm:5", "p1")));
    symlinkSync(elsewhere, join(threads.dir, "slurm_5.thread"));
    expect(await threads.find("slurm:5")).toBeUndefined();
    writeFileSync(join(threads.dir, "slurm_6.thread"), "{broken", { mode: 0o600 });
    expect(await threads.find("slurm:6")).toBeUndefined();
    expect(await threads.claim(entry("slurm:6", "n1"))).toEqual(entry("slurm:6", "n1"));
    expect(await threads.find("slurm:6")).toEqual(entry("slurm:6", "n1"));
  });
});
