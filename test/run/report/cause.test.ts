import { describe, expect, test } from "bun:test";
import type { ChildResult } from "../../../src/run/process/child.ts";
import { causeWords } from "../../../src/run/report/cause.ts";
import { type Cause, causeOf, causeStopsRun, type EndFacts } from "../../../src/scheduler/cause.ts";
import { jobContext } from "../../../src/scheduler/schedulers.ts";

const MIB = 1024 ** 2;
const slurm = jobContext({ SLURM_JOB_ID: "42", SLURM_JOB_NAME: "train" });
const killed = (signal: string): ChildResult => ({ code: 128 + 15, exitCode: null, signal, outputBytes: 0 });
const exited = (code: number): ChildResult => ({ code, exitCode: code, signal: null, outputBytes: 0 });
const end = Date.parse("2026-12-01T12:00:00Z");
const limit = { endsAt: end, limitMs: 3600_000 };
const term = (at: number) => ({ signal: "SIGTERM", at, fromTerminal: false });
const facts = (more: Partial<EndFacts>): EndFacts => ({ job: slurm, restartsAtStart: 0, ...more });

describe("a SIGTERM in a Slurm job", () => {
  test("at the end time (or after: Slurm checks every 30 s): the time limit, whatever the command made of it", () => {
    expect(causeOf(killed("SIGTERM"), facts({ stop: term(end + 20_000), limit }))).toEqual({
      kind: "time-limit",
      limit: "1:00:00",
    });
    expect(causeOf(exited(143), facts({ stop: term(end - 2000), limit }))?.kind).toBe("time-limit");
    expect(causeOf(exited(0), facts({ stop: term(end), limit }))?.kind).toBe("time-limit");
  });

  test("before it: the scheduler's word decides (22.05 shows COMPLETING for scancel; newer Slurm the base state)", () => {
    const state = (states: string[], more = {}) => ({ state: states.at(-1)!, states, ...more });
    const early = (s: EndFacts["state"]) =>
      causeOf(killed("SIGTERM"), facts({ stop: term(end - 600_000), limit, state: s }));
    expect(early(state(["COMPLETING"], { restarts: 0 }))).toEqual({ kind: "cancelled", certain: false });
    expect(early(state(["CANCELLED", "COMPLETING"]))).toEqual({ kind: "cancelled", certain: true });
    expect(early(state(["PREEMPTED", "COMPLETING"]))).toEqual({ kind: "preempted" });
    expect(early(state(["COMPLETING"], { restarts: 1 }))).toEqual({ kind: "requeued", restart: 1 });
    expect(early(state(["COMPLETING"], { reason: "TimeLimit" }))).toEqual({ kind: "time-limit", limit: "1:00:00" });
    expect(early(state(["RUNNING"]))).toEqual({ kind: "not-scheduler", signal: "SIGTERM" });
    // 22.05's squeue --json alone, RUNNING underneath while it ends the job: nothing is claimed.
    expect(early({ state: "", states: ["RUNNING"] })).toEqual({
      kind: "scheduler",
      signal: "SIGTERM",
      scheduler: "slurm",
    });
    // No answer in time: said so, not guessed.
    expect(early(undefined)).toEqual({ kind: "scheduler", signal: "SIGTERM", scheduler: "slurm" });
  });

  test("its node set DOWN (or failed): Slurm's NODE_FAIL, in the scheduler's words", () => {
    const stop = term(end - 600_000);
    const nodeFail: Cause = { kind: "node-fail", scheduler: "slurm" };
    const state = { state: "NODE_FAIL", states: ["NODE_FAIL"], reason: "NodeDown" };
    expect(causeOf(killed("SIGTERM"), facts({ stop, limit, state }))).toEqual(nodeFail);
    // The reason alone, the state hidden by COMPLETING.
    const completing = { state: "COMPLETING", states: ["COMPLETING"], reason: "NodeDown" };
    expect(causeOf(killed("SIGTERM"), facts({ stop, limit, state: completing }))).toEqual(nodeFail);
    expect(causeWords(nodeFail, "killed by SIGTERM", slurm)).toBe(
      "was stopped: its node failed (Slurm says NODE_FAIL)",
    );
    expect(causeStopsRun(nodeFail)).toBe(true);
  });

  test("a requeued job's restart count is compared with its own at the start", () => {
    const state = { state: "COMPLETING", states: ["COMPLETING"], restarts: 2 };
    expect(causeOf(killed("SIGTERM"), facts({ stop: term(end), state, restartsAtStart: 2 }))).toEqual({
      kind: "cancelled",
      certain: false,
    });
  });

  test("Ctrl-C at the terminal, or no job: the command's own outcome, as before", () => {
    expect(
      causeOf(killed("SIGINT"), facts({ stop: { signal: "SIGINT", at: end, fromTerminal: true } })),
    ).toBeUndefined();
    expect(causeOf(killed("SIGTERM"), facts({ job: undefined, stop: term(end) }))).toBeUndefined();
    expect(causeOf(exited(1), facts({}))).toBeUndefined();
  });
});

describe("the out-of-memory killer", () => {
  const memory = { limit: 200 * MIB, peak: 199 * MIB, oomKills: 1 };
  test("counted in the cgroup: the command killed, or failing after one of its processes was", () => {
    expect(causeOf(killed("SIGKILL"), facts({ memory }))).toEqual({
      kind: "oom",
      kills: 1,
      peak: 199 * MIB,
      limit: 200 * MIB,
      command: "killed",
    });
    expect(causeOf(exited(1), facts({ memory, job: undefined }))).toMatchObject({ kind: "oom", command: "failed" });
    expect(causeOf(exited(0), facts({ memory }))).toMatchObject({ kind: "oom", command: "succeeded" });
    expect(causeOf(exited(0), facts({ memory: { ...memory, oomKills: 0 } }))).toBeUndefined();
  });

  test("a kernel that counts no kills: a SIGKILL at the limit is most likely it", () => {
    const old = { limit: 200 * MIB, peak: 199 * MIB, limitHits: 12 };
    expect(causeOf(killed("SIGKILL"), facts({ memory: old }))).toEqual({
      kind: "memory-limit",
      peak: 199 * MIB,
      limit: 200 * MIB,
    });
    expect(causeOf(killed("SIGKILL"), facts({ memory: { ...old, peak: 20 * MIB } }))).toBeUndefined();
  });
});

describe("a warning signal (sbatch --signal=B:USR1@300, scancel --signal)", () => {
  const warned = (at: number, more: Partial<EndFacts> = {}) => facts({ warned: { signal: "SIGUSR1", at }, ...more });
  const words = (result: ChildResult, f: EndFacts, own: string) => causeWords(causeOf(result, f)!, own);

  test("near the end time it is the scheduler's warning; far from it, someone's scancel --signal or kill", () => {
    expect(words(exited(0), warned(end - 300_000, { limit }), "succeeded")).toBe(
      "exited 0 after SIGUSR1 (the scheduler's warning before the time limit)",
    );
    expect(words(exited(0), warned(end - 3 * 3600_000, { limit }), "succeeded")).toBe(
      "exited 0 after SIGUSR1 (from scancel --signal or kill)",
    );
    expect(words(exited(0), warned(end), "succeeded")).toBe(
      "exited 0 after SIGUSR1 (the scheduler's warning before the time limit, or scancel --signal or kill)",
    );
  });

  test("a failure or a death by it keeps its own words; a later SIGTERM decides instead", () => {
    expect(words(exited(2), warned(end, { limit }), "failed with exit code 2")).toBe(
      "failed with exit code 2 after SIGUSR1 (the scheduler's warning before the time limit)",
    );
    expect(words(killed("SIGUSR1"), warned(end, { limit }), "killed by SIGUSR1")).toBe(
      "killed by SIGUSR1 (the scheduler's warning before the time limit)",
    );
    expect(causeOf(killed("SIGTERM"), warned(end, { limit, stop: term(end + 1000) }))?.kind).toBe("time-limit");
    expect(causeStopsRun(causeOf(exited(0), warned(end, { limit }))!)).toBe(false);
  });
});
