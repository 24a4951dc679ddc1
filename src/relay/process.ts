/**
 * Whether a process is still the one a run registered: its pid alone could be another's by
 * now, so its start time (in clock ticks since boot, /proc/PID/stat's 22nd field) must match.
 */
import { readFileSync } from "node:fs";

/** The start time of process `pid`, or undefined when there is none (or no /proc). */
export function processStart(pid: number | "self"): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // The command's name, in parentheses, may hold spaces and parentheses itself: the fields follow the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/** Whether the registered process still runs on this host. */
export function stillRunning(pid: number, startTicks: number | undefined): boolean {
  const now = processStart(pid);
  return now !== undefined && (startTicks === undefined || now === startTicks);
}

/**
 * Whether this process is a Slurm batch step's main process: its parent is slurmstepd when
 * the script `exec`'d it; a shell running the script (`sbatch --wrap`, a script without
 * `exec`) is what the scheduler signals instead, and mmn dies unheard at the job's end.
 * Undefined outside a batch job, or where it cannot be told.
 */
export function batchMain(env: Readonly<Record<string, string | undefined>>): boolean | undefined {
  if (!env.SLURM_JOB_ID) return undefined;
  const parent = process.ppid;
  try {
    const comm = readFileSync(`/proc/${parent}/comm`, "latin1").trim();
    if (comm === "slurmstepd") return true;
    const cmdline = readFileSync(`/proc/${parent}/cmdline`, "latin1");
    return cmdline.includes("slurm_script") ? false : undefined;
  } catch {
    return undefined;
  }
}
