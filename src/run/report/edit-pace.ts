/**
 * How often a run's status post is edited as it ages. Every edit stores a version of the post
 * on the server (its edit history): a week edited every 5 s leaves 120,000. People watch a run
 * most in its first minutes (did it start, is the loss going down), and a status a few minutes
 * old says as much of a job that has run for hours: so `--interval` holds for the first ten
 * minutes, then one edit a minute at most until the first hour, then one every five minutes
 * (the heartbeat of a silent job). A longer `--interval` always wins.
 */
export interface LiveSchedule {
  /** --interval: the pace of the first stage, and the least of every later one. */
  baseMs: number;
  /** A minute of the schedule: the test suites shorten it (cli/run-timing.ts). */
  minuteMs: number;
}

/** From this age on (in the schedule's minutes), at most one edit every so many minutes. */
const STAGES: ReadonlyArray<{ fromMinutes: number; everyMinutes: number }> = [
  { fromMinutes: 10, everyMinutes: 1 },
  { fromMinutes: 60, everyMinutes: 5 },
];

/** A 429 doubles the pace's interval, up to this many times; each edit that goes through halves it again. */
const MAX_SLOWDOWN = 16;

/** The least time between two live edits of a run this old. */
export function liveIntervalMs(ageMs: number, schedule: LiveSchedule): number {
  let every = schedule.baseMs;
  for (const stage of STAGES)
    if (ageMs >= stage.fromMinutes * schedule.minuteMs)
      every = Math.max(schedule.baseMs, stage.everyMinutes * schedule.minuteMs);
  return every;
}

/**
 * The live edits of a run of `durationMs` whose output never stops (the most there can be):
 * the ticks come every `baseMs`, and one is an edit when the schedule's interval has passed
 * since the last one. The status post itself and the end's edit are not counted.
 */
export function liveEditsOver(durationMs: number, schedule: LiveSchedule): number {
  let edits = 0;
  let last = 0;
  for (let at = schedule.baseMs; at < durationMs; at += schedule.baseMs) {
    if (at - last < liveIntervalMs(at, schedule)) continue;
    edits++;
    last = at;
  }
  return edits;
}

/** When the next live edit may go: the schedule, slowed down by the server's 429s. */
export class EditPace {
  #last: number | undefined;
  #slowdown = 1;
  #notBefore = 0;

  constructor(private readonly schedule: LiveSchedule) {}

  /** Whether an edit at this age (of the run, in ms) is due, `now` being performance.now(). */
  due(ageMs: number, now = performance.now()): boolean {
    if (now < this.#notBefore) return false;
    if (this.#last === undefined) return true;
    return now - this.#last >= liveIntervalMs(ageMs, this.schedule) * this.#slowdown - this.schedule.baseMs / 10;
  }

  /** An edit left now. */
  started(now = performance.now()): void {
    this.#last = now;
  }

  /** It went through: the pace comes back halfway to the schedule's. */
  went(): void {
    this.#slowdown = Math.max(1, this.#slowdown / 2);
  }

  /** The server said 429: twice as slow from now on, and never before it said to come back. */
  limited(retryAfterMs: number | undefined, now = performance.now()): number {
    this.#slowdown = Math.min(MAX_SLOWDOWN, this.#slowdown * 2);
    this.#notBefore = now + (retryAfterMs ?? 0);
    return this.#slowdown;
  }
}
