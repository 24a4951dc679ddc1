import { readSmall } from "../base/small-file.ts";
import type { Ancestry } from "./scheduler.ts";

/**
 * The processes above this one, nearest first, as /proc tells: whether mmn is the process the
 * scheduler started (and signals) or a child of the job's script. Read once, at the start.
 */

interface Ancestor {
  pid: number;
  /** The kernel's name of it (the program's or the script's file name, 15 bytes at most). */
  comm: string;
  /** Its command line. */
  argv: string[];
}

/** Deeper than any batch script's shells. */
const MAX_DEPTH = 32;
const MAX_BYTES = 4096;

export function ancestry(pid = process.pid): Ancestry {
  const chain: Ancestor[] = [];
  let ppid = parentOf(pid);
  while (ppid !== undefined && ppid > 0 && chain.length < MAX_DEPTH) {
    const stat = readProc(ppid, "stat");
    const cmdline = readProc(ppid, "cmdline");
    if (stat === undefined || cmdline === undefined) return { chain, complete: false };
    chain.push({ pid: ppid, comm: commOf(stat), argv: cmdline.split("\0").filter(Boolean) });
    if (ppid === 1) return { chain, complete: true };
    ppid = parentOf(ppid, stat);
  }
  return { chain, complete: ppid === 0 };
}

function parentOf(pid: number, stat = readProc(pid, "stat")): number | undefined {
  // The fields after the name, which may hold spaces and parentheses: state, then ppid.
  const ppid = Number(stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  return Number.isInteger(ppid) && ppid >= 0 ? ppid : undefined;
}

function commOf(stat: string): string {
  return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
}

const readProc = (pid: number, name: string) => readSmall(`/proc/${pid}/${name}`, MAX_BYTES, "utf8");
