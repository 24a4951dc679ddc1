/**
 * A run's time: its start as the system clock reads it then (shown as a time of day), and every
 * time since as the start plus what a monotonic clock measured. A step of the system clock
 * mid-run (NTP, a VM resumed, an administrator's `date -s`) moves no elapsed time.
 */
export class RunClock {
  readonly startedAt = new Date();
  readonly #start = performance.now();

  /** Milliseconds since the start. */
  elapsedMs(): number {
    return performance.now() - this.#start;
  }

  /** The start plus the elapsed time: what the system clock would read had it not been stepped. */
  now(): Date {
    return new Date(this.startedAt.getTime() + this.elapsedMs());
  }
}
