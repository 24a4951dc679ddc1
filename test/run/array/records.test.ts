import { afterAll, describe, expect, test } from "bun:test";
import { drawsLater } from "../../../src/run/array/draws.ts";
import { ArrayState, type TaskRecord } from "../../../src/run/array/tasks.ts";
import { unheardEnd } from "../../../src/run/array/unheard.ts";
import { scratch } from "../helpers.ts";

// The relay's word on a task that died unheard is kept beside the task's own record: an end
// the task writes after it, or wrote before it was folded, is the one the board shows.

const dir = scratch("array-records");
afterAll(() => dir.cleanup());

const running: TaskRecord = { task: "3", phase: "running", host: "n1", startedAt: 1000, pid: 4242, startTicks: 77 };
const own: TaskRecord = { ...running, phase: "failed", endedAt: 5000, outcome: "failed with exit code 2" };
const relays = unheardEnd(running, "CANCELLED", "Slurm", 6000);

describe("a task's records and the relay's", () => {
  test("the relay's end replaces running; the task's own end, written after, wins, folded or not", async () => {
    const state = new ArrayState(dir.path("a"));
    await state.write(running);
    await state.write(relays);
    expect(await state.readAll()).toEqual([relays]);
    expect(relays).toMatchObject({ phase: "killed", outcome: "ended without a word from mmn: Slurm says CANCELLED" });
    await state.fold();
    await state.write(own);
    expect(await state.readAll()).toEqual([own]);
    await state.fold();
    expect(await state.readAll()).toEqual([own]);
  });

  test("the task's own end written before the relay's is kept", async () => {
    const state = new ArrayState(dir.path("b"));
    await state.write(own);
    await state.write(relays);
    expect(await state.readAll()).toEqual([own]);
  });

  test("an end waiting to be told leaves the board to its task until its deadline; the fold of its telling marks it told", async () => {
    const state = new ArrayState(dir.path("d"));
    const ending: TaskRecord = { ...own, task: "5", tellBy: 10_000 };
    await state.write(ending);
    expect([drawsLater(ending, 9_999), drawsLater(ending, 10_000)]).toEqual([true, false]);
    expect([drawsLater(running, 1e13), drawsLater(relays, 0), drawsLater(own, 0)]).toEqual([true, false, false]);
    expect(await state.fold("5")).toEqual([{ ...ending, told: true }]);
    expect(await state.readAll()).toEqual([{ ...ending, told: true }]);
    expect(drawsLater((await state.readAll())[0]!, 0)).toBe(false);
  });

  test("a record whose pid or start time is not a count is skipped", async () => {
    const state = new ArrayState(dir.path("c"));
    await state.write({ ...running, pid: -1 });
    await state.write({ ...running, task: "4", startTicks: 1.5 });
    await state.write({ ...running, task: "5" });
    expect((await state.readAll()).map((r) => r.task)).toEqual(["5"]);
  });
});
