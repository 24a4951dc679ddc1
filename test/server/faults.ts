// Injected faults: evaluated in order, the first match wins, `times` counts down.
import type { Fault } from "./types.ts";

interface ActiveFault {
  fault: Fault;
  remaining: number;
}

function matches(fault: Fault, method: string, path: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method.toUpperCase()) return false;
  if (fault.path === undefined) return path === "/api/v4" || path.startsWith("/api/v4/");
  if (typeof fault.path === "string") return fault.path === path;
  fault.path.lastIndex = 0; // a /g or /y expression keeps state between calls
  return fault.path.test(path);
}

export class Faults {
  private active: ActiveFault[] = [];

  add(fault: Fault): void {
    if (!["status", "delay", "hang", "reset", "flood", "bomb"].includes(fault.kind))
      throw new Error(`unknown fault kind: ${String(fault.kind)}`);
    if (fault.kind === "delay" && !fault.until && !(typeof fault.ms === "number" && fault.ms >= 0))
      throw new Error("a delay fault needs ms >= 0 or until");
    const times = fault.times ?? Number.POSITIVE_INFINITY;
    if (!(times >= 0)) throw new Error("fault.times must be >= 0");
    this.active.push({ fault: { ...fault }, remaining: times });
  }

  clear(): void {
    this.active = [];
  }

  /** The fault that applies to this request, if any (and count it). */
  take(method: string, path: string): Fault | undefined {
    for (const entry of this.active) {
      if (entry.remaining <= 0 || !matches(entry.fault, method, path)) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.active = this.active.filter((e) => e !== entry);
      return entry.fault;
    }
    return undefined;
  }
}
