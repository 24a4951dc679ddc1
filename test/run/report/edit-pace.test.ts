// The live edits' schedule (run/report/edit-pace.ts): a pure function of the run's age, and the
// number of edits a 24-hour run makes, simulated. README quotes these figures.
import { describe, expect, test } from "bun:test";
import { EditPace, liveEditsOver, liveIntervalMs } from "../../../src/run/report/edit-pace.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (baseSeconds: number) => ({ baseMs: baseSeconds * 1000, minuteMs: MINUTE });

describe("the live edits' schedule", () => {
  test("--interval for ten minutes, then once a minute, then every five minutes; a longer --interval wins", () => {
    expect(liveIntervalMs(0, at(30))).toBe(30_000);
    expect(liveIntervalMs(10 * MINUTE - 1, at(30))).toBe(30_000);
    expect(liveIntervalMs(10 * MINUTE, at(30))).toBe(MINUTE);
    expect(liveIntervalMs(HOUR - 1, at(30))).toBe(MINUTE);
    expect(liveIntervalMs(HOUR, at(30))).toBe(5 * MINUTE);
    expect(liveIntervalMs(30 * HOUR, at(30))).toBe(5 * MINUTE);
    expect(liveIntervalMs(20 * MINUTE, at(120))).toBe(120_000);
    expect(liveIntervalMs(2 * HOUR, at(600))).toBe(600_000);
  });

  test("a 24-hour run whose output never stops: 345 live edits at the default 30 s (2879 before), 445 at 5 s", () => {
    expect(liveEditsOver(24 * HOUR, at(30))).toBe(20 + 50 + 275);
    expect(liveEditsOver(24 * HOUR, at(5))).toBe(120 + 50 + 275);
    // A week at 5 s: 2,173 versions of the post instead of 120,959.
    expect(liveEditsOver(7 * 24 * HOUR, at(5))).toBe(2173);
  });

  test("a 429 doubles the interval (up to 16 times) and waits its Retry-After; edits that go through bring it back", () => {
    const pace = new EditPace({ baseMs: 1000, minuteMs: MINUTE });
    expect(pace.due(0, 0)).toBe(true);
    pace.started(0);
    expect(pace.due(1000, 1000)).toBe(true);
    expect(pace.limited(5000, 1000)).toBe(2);
    expect(pace.due(2000, 2000)).toBe(false);
    expect(pace.due(6000, 6000)).toBe(true);
    pace.started(6000);
    for (let i = 0; i < 6; i++) pace.limited(undefined, 6000);
    expect(pace.due(21_000, 21_000)).toBe(false);
    expect(pace.due(22_000, 22_000)).toBe(true);
    pace.went();
    pace.went();
    pace.went();
    pace.went();
    pace.started(22_000);
    expect(pace.due(23_000, 23_000)).toBe(true);
  });
});
