import { afterAll, expect, test } from "bun:test";
import { copyFileSync } from "node:fs";
import { sampleTree } from "../../../src/run/job/tree.ts";
import { scratch } from "../helpers.ts";

const dir = scratch("tree");
afterAll(dir.cleanup);

/** Starts a shell script and waits for its first line: from then on its tree stands as written. */
async function started(script: string) {
  const proc = Bun.spawn(["sh", "-c", script], { stdout: "pipe", stderr: "ignore", detached: true });
  await proc.stdout.getReader().read();
  return { pid: proc.pid, end: () => process.kill(-proc.pid, "SIGKILL") };
}

test("every process under the command, and the CPU time of the children it already waited for", async () => {
  // The subshell's loop is over and waited for: its time is in the shell's cutime, no longer its own.
  const proc = await started(
    "(i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done); sleep 30 & sleep 30 & echo ready; wait",
  );
  try {
    const sample = sampleTree(proc.pid)!;
    expect(sample.processes).toBe(3);
    expect(sample.cpuSeconds).toBeGreaterThan(0);
    // A shell and two sleeps: a few MiB between them, however small each one is.
    expect(sample.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(sample.srun).toBe(false);
  } finally {
    proc.end();
  }
});

test("an srun in the tree is noticed (its tasks run under slurmstepd, not under us)", async () => {
  // The name in /proc/PID/stat is the program's file name.
  const srun = dir.path("srun");
  copyFileSync("/bin/sleep", srun);
  // "ready" once the background child has become srun: before its exec it is still a shell.
  const proc = await started(`${srun} 30 & while [ "$(cat /proc/$!/comm)" != srun ]; do :; done; echo ready; wait`);
  try {
    expect(sampleTree(proc.pid)?.srun).toBe(true);
  } finally {
    proc.end();
  }
});

test("a process that is gone: no sample", async () => {
  const proc = Bun.spawn(["true"]);
  await proc.exited;
  expect(sampleTree(proc.pid)).toBeUndefined();
});
