import type { ChildResult } from "../process/child.ts";
import { literal } from "./fence.ts";
import type { Phase, RunState } from "./render.ts";

/**
 * How the run ended, as every message tells it: decided here alone, from what the command
 * did and what became of its output.
 */
export function outcomeOf(
  result: ChildResult,
  hideCommand: boolean,
): { phase: Phase; fields: Partial<RunState>; lost: Array<[stream: string, reason: string]> } {
  const lost = lostOutput(result);
  const outputLost = lost.map(([stream, reason]) => `${stream}: ${reason}`).join("; ");
  return {
    phase: phaseOf(result, outputLost !== ""),
    fields: { ...endFields(result, hideCommand), ...(outputLost ? { outputLost } : {}) },
    lost,
  };
}

/** Each stream whose output we could not write (not EPIPE), with why. */
function lostOutput(result: ChildResult): Array<[stream: string, reason: string]> {
  const lost: Array<[string, string]> = [];
  if (result.stdoutError) lost.push(["stdout", result.stdoutError]);
  if (result.stderrError) lost.push(["stderr", result.stderrError]);
  return lost;
}

/** Output that never reached its file is no success, whatever the exit code says. */
function phaseOf(result: ChildResult, outputLost: boolean): Phase {
  if (result.signal) return "killed";
  return result.code === 0 && !outputLost ? "succeeded" : "failed";
}

function endFields(result: ChildResult, hideCommand: boolean): Partial<RunState> {
  // The reason names the program ("no such file: ./deploy-prod.sh"): hidden, only its kind is told.
  // Shown, it names what the machine holds (the interpreter of a `#!` line): literally.
  const startError =
    result.startError && hideCommand
      ? result.code === 127
        ? "command not found"
        : "it cannot be executed"
      : result.startError && literal(result.startError);
  return {
    exitCode: result.code,
    ...(result.signal ? { signal: result.signal } : {}),
    ...(startError ? { startError } : {}),
  };
}
