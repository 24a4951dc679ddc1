/**
 * Time the job spent suspended, which is not run time. `scontrol suspend` stops every process
 * of the job, ours too (SIGSTOP, or the cgroup freezer with proctrack/cgroup): nothing of ours
 * runs then, but a timer that fires late by seconds on the monotonic clock tells how long we
 * were stopped. A command stopped while we are not (SIGSTOP to it alone) is seen at a tick.
 */

const PULSE_MS = 1000;
/** Lateness past this is a stop, not a busy machine. */
const STOPPED_AFTER_MS = 2000;

export class Suspension {
  #timer: ReturnType<typeof setInterval> | undefined;
  #last = 0;
  #totalMs = 0;
  #since: number | undefined;

  start(): void {
    this.#last = performance.now();
    this.#timer = setInterval(() => this.#pulse(), PULSE_MS);
    this.#timer.unref?.();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#pulse();
  }

  /** At a tick: the command stopped since then (ms since the epoch), or running again. */
  commandStopped(since: number | undefined): void {
    if (since === undefined && this.#since !== undefined) this.#totalMs += Date.now() - this.#since;
    this.#since = since;
  }

  /** Suspended so far, the stop going on included. */
  get totalMs(): number {
    return this.#totalMs + (this.#since !== undefined ? Date.now() - this.#since : 0);
  }

  /** When the command was stopped, while it is. */
  get since(): number | undefined {
    return this.#since;
  }

  #pulse(): void {
    const now = performance.now();
    const late = now - this.#last - PULSE_MS;
    if (late > STOPPED_AFTER_MS) this.#totalMs += late;
    this.#last = now;
  }
}
