/**
 * Time the job spent suspended, which is not run time. `scontrol suspend` stops every process
 * of the job, ours too (SIGSTOP, or the cgroup freezer with proctrack/cgroup), and `scontrol
 * resume` sends SIGCONT: nothing of ours runs in between, but a timer that fires late on the
 * monotonic clock, next to a SIGCONT, tells how long we were stopped (to within PULSE_MS). A
 * command stopped while we are not (SIGSTOP to it alone) is seen at a tick.
 */

const PULSE_MS = 1000;
/** Lateness past this, with a SIGCONT, is a stop; without one, a busy machine. */
const STOPPED_AFTER_MS = 500;
/** How close the late timer and the SIGCONT come, in either order. */
const TOGETHER_MS = 1500;

export class Suspension {
  #timer: ReturnType<typeof setInterval> | undefined;
  #last = 0;
  #totalMs = 0;
  #since: number | undefined;
  #late: { ms: number; at: number } | undefined;
  #continuedAt: number | undefined;
  readonly #onContinue = () => {
    this.#continuedAt = performance.now();
    this.#match();
  };

  start(): void {
    this.#last = performance.now();
    this.#timer = setInterval(() => this.#pulse(), PULSE_MS);
    this.#timer.unref?.();
    process.on("SIGCONT", this.#onContinue);
  }

  stop(): void {
    clearInterval(this.#timer);
    process.off("SIGCONT", this.#onContinue);
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
    if (late > STOPPED_AFTER_MS) {
      this.#late = { ms: late, at: now };
      this.#match();
    }
    this.#last = now;
  }

  #match(): void {
    if (!this.#late || this.#continuedAt === undefined) return;
    if (Math.abs(this.#late.at - this.#continuedAt) > TOGETHER_MS) return;
    this.#totalMs += this.#late.ms;
    this.#late = undefined;
    this.#continuedAt = undefined;
  }
}
