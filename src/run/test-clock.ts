/**
 * For the test suites only (unset in every real run; cli/run-timing.ts reads their variable): the system
 * clock steps forward by this much once the command has started, as an NTP step or a resumed VM does,
 * so that a suite can check that no elapsed time follows it. Date alone moves; the monotonic
 * clock (performance.now) does not, as with a real step.
 */
export function stepClockForTests(step: number): void {
  const Real = globalThis.Date;
  const now = () => Real.now() + step;
  class Stepped extends Real {
    constructor(...args: ConstructorParameters<typeof Real> | []) {
      if (args.length === 0) super(now());
      else super(...(args as [number]));
    }
    static override now(): number {
      return now();
    }
  }
  globalThis.Date = Stepped as DateConstructor;
}
