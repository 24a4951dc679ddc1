import { describe, expect, test } from "bun:test";
import type { Resources } from "../../../src/run/job/watch.ts";
import { finalReply, limitWarning, type RunState, statusMessage, statusProps } from "../../../src/run/report/render.ts";
import type { Cause } from "../../../src/scheduler/cause.ts";
import { jobContext } from "../../../src/scheduler/schedulers.ts";

// How the end and the resources read: the first line (all a phone shows) and the card.

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const start = new Date("2026-12-01T10:00:00Z");
const base: RunState = {
  phase: "killed",
  id: "run-1",
  title: undefined,
  command: "python train.py",
  argv: ["python", "train.py"],
  host: "node07",
  cwd: "/home/me",
  startedAt: start,
  at: new Date(start.getTime() + 3600_000 + 12_000),
  outputBytes: 10,
  tail: undefined,
  exitCode: 143,
  signal: "SIGTERM",
  job: jobContext({
    SLURM_JOB_ID: "12352",
    SLURM_JOB_NAME: "sweep",
    SLURM_ARRAY_JOB_ID: "12345",
    SLURM_ARRAY_TASK_ID: "7",
  }),
  timeLimit: "1:00:00",
};
const first = (state: RunState) => finalReply(state, {}).split("\n")[0];
type Card = { color: string; fields: Array<{ title: string; value: string }>; footer: string };
const card = (state: RunState) => (statusProps(state).attachments as Card[])[0]!;
const field = (state: RunState, title: string) => card(state).fields.find((f) => f.title === title)?.value;
const withCause = (cause: Cause, more: Partial<RunState> = {}): RunState => ({ ...base, cause, ...more });

describe("why it ended, in the first line", () => {
  test("the time limit: ⏰, the limit, and the command's own end on the card", () => {
    const state = withCause({ kind: "time-limit", limit: "1:00:00" });
    expect(first(state)).toBe("⏰ **sweep 12345_7** hit its time limit of 1:00:00 on node07 after 1h 00m 12s");
    expect(statusMessage(state)).toStartWith("⏰ **sweep 12345_7** hit its time limit of 1:00:00 on node07");
    expect(field(state, "Status")).toBe("hit its time limit of 1:00:00");
    expect(field(state, "Exit")).toBe("killed by SIGTERM");
    expect(field(state, "Duration")).toBe("1h 00m 12s of 1:00:00");
    expect(card(state).color).toBe("danger");
  });

  test("scancel, preemption, requeue, a SIGTERM nobody explained in time", () => {
    expect(first(withCause({ kind: "cancelled", certain: true }))).toStartWith(
      "🛑 **sweep 12345_7** was cancelled (scancel) on node07",
    );
    expect(first(withCause({ kind: "cancelled", certain: false }))).toContain(
      "was cancelled (scancel, or preempted) on",
    );
    expect(first(withCause({ kind: "preempted" }))).toContain("🛑 **sweep 12345_7** was preempted on");
    expect(first(withCause({ kind: "requeued", restart: 1 }))).toStartWith(
      "🔁 **sweep 12345_7** was requeued (it runs again as restart 1) on",
    );
    expect(first(withCause({ kind: "scheduler", signal: "SIGTERM", scheduler: "slurm" }))).toContain(
      "was stopped by SIGTERM (from the scheduler or scancel) on",
    );
    expect(first(withCause({ kind: "scheduler", signal: "SIGTERM", scheduler: "pbs" }))).toContain(
      "(from PBS or qdel)",
    );
    expect(first(withCause({ kind: "not-scheduler", signal: "SIGINT" }))).toContain(
      "was stopped by SIGINT (Slurm was not ending the job: scancel --signal or kill) on",
    );
  });

  test("the out-of-memory killer, with the peak against the limit", () => {
    const oom = { kind: "oom", kills: 1, peak: 15.9 * GIB, limit: 16 * GIB } as const;
    const state = withCause({ ...oom, command: "killed" }, { signal: "SIGKILL", exitCode: 137 });
    expect(first(state)).toStartWith(
      "💥 **sweep 12345_7** was killed by the out-of-memory killer at 15.9 of 16 GiB on node07",
    );
    expect(field(state, "Exit")).toBe("killed by SIGKILL");
    const failed = withCause({ ...oom, command: "failed" }, { phase: "failed", signal: undefined, exitCode: 1 });
    expect(first(failed)).toContain(
      "failed with exit code 1 after the out-of-memory killer stopped one of its processes at 15.9 of 16 GiB on",
    );
    // It survived: the first line is the command's success; the card says what happened.
    const survived = withCause(
      { ...oom, kills: 2, command: "succeeded" },
      { phase: "succeeded", signal: undefined, exitCode: 0 },
    );
    expect(first(survived)).toStartWith("✅ **sweep 12345_7** succeeded on");
    expect(field(survived, "Out of memory")).toBe(
      "the out-of-memory killer stopped 2 of its processes at 15.9 of 16 GiB",
    );
  });

  test("no job: the script names it when the command is too long to show whole; a title always wins", () => {
    const argv = ["/opt/python/3.11/bin/python3", "-u", "/home/me/projects/vision/train.py", "--epochs", "50"];
    const plain: RunState = {
      ...base,
      job: undefined,
      command: argv.join(" "),
      argv,
      phase: "failed",
      signal: undefined,
      exitCode: 2,
    };
    expect(first(plain)).toStartWith("❌ **`train.py --epochs 50`** failed with exit code 2 on node07");
    expect(first({ ...plain, title: "ResNet" })).toStartWith("❌ **ResNet** failed");
  });

  test("the warning at 90 % of the time limit", () => {
    expect(limitWarning({ ...base, phase: "running" }, 360_000)).toBe(
      "⏰ **sweep 12345_7** has 6m 00s left of its time limit of 1:00:00 on node07",
    );
  });
});

describe("what it used, on the card", () => {
  const resources: Resources = {
    allocation: { cpus: 8, cpusFrom: "allocated", memory: 64 * GIB },
    scheduler: "slurm",
    cpuSeconds: 3600 * 0.9,
    srun: false,
    memory: 9.1 * GIB,
  };
  const done: RunState = { ...base, phase: "succeeded", signal: undefined, exitCode: 0, resources };

  test("CPU time and efficiency against the CPUs allocated, the memory peak against the request, one line of advice", () => {
    expect(field(done, "CPU")).toBe("54m 00s, 11 % of 8 cores");
    expect(field(done, "Memory")).toBe("peak 9.1 of 64 GiB asked");
    expect(field(done, "Advice")).toBe(
      "asked 64 GiB, peak 9.1 GiB: --mem=12G would do; CPU efficiency 11 % of 8 cores",
    );
  });

  test("while running: memory now; no advice; a failed run gets none either", () => {
    const running = { ...done, phase: "running" as const };
    expect(field(running, "Memory")).toBe("9.1 of 64 GiB asked");
    expect(field(running, "Advice")).toBeUndefined();
    expect(field({ ...done, phase: "failed", exitCode: 1 }, "Advice")).toBeUndefined();
  });

  test("the cgroup's limit when nothing was asked; cores this process may use outside a job; srun; GPUs", () => {
    const laptop: Resources = {
      allocation: { cpus: 4, cpusFrom: "usable" },
      cpuSeconds: 30,
      srun: false,
      memory: 190 * MIB,
      memoryLimit: 200 * MIB,
    };
    const state = { ...done, job: undefined, resources: laptop, at: new Date(start.getTime() + 60_000) };
    expect(field(state, "CPU")).toBe("30s, 13 % of the 4 cores it may use");
    expect(field(state, "Memory")).toBe("peak 190 of 200 MiB (its cgroup's limit)");
    expect(field(state, "Advice")).toBeUndefined();
    expect(field({ ...state, resources: { ...laptop, srun: true } }, "CPU")).toBe(
      "not counted: the tasks of srun run under Slurm, not under mmn",
    );
    const gpu = {
      count: 2,
      name: "NVIDIA A100-SXM4-40GB",
      samples: 12,
      meanUtilization: 4.2,
      peakUtilization: 31,
      peakMemory: 2 * GIB,
      memoryTotal: 40 * GIB,
    };
    const withGpu = { ...done, resources: { ...resources, memory: 60 * GIB, gpu } };
    expect(field(withGpu, "GPU")).toBe(
      "2 × NVIDIA A100-SXM4-40GB: 4 % busy on average (peak 31 %), memory peak 2 of 40 GiB",
    );
    expect(field(withGpu, "Advice")).toBe("CPU efficiency 11 % of 8 cores; GPU 4 % busy on average");
  });

  test("a silent job says how long ago its last output came", () => {
    const running: RunState = { ...base, phase: "running", quietMs: 2 * 3600_000 + 300_000, signal: undefined };
    expect(statusMessage(running)).toBe(
      "⏳ **sweep 12345_7** is running on node07 (1h 00m 12s, last output 2h 05m ago)",
    );
  });
});
