import { constants } from "node:os";
import { readSmall } from "../../base/small-file.ts";

/**
 * What Linux's /proc tells about our signal state. Elsewhere (macOS) these answer
 * conservatively: nothing inherited as ignored, and "the terminal signals the
 * child too" exactly when stdin is a terminal.
 */

const NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, num]) => [num, name as NodeJS.Signals]),
);

// Bun ignores these itself, so their bits say nothing about what we inherited.
const BUN_IGNORES = new Set<NodeJS.Signals>(["SIGPIPE", "SIGXFSZ"]);

function ignoredAtStart(): ReadonlySet<NodeJS.Signals> {
  const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readSmall("/proc/self/status") ?? "")?.[1];
  const ignored = new Set<NodeJS.Signals>();
  if (!mask) return ignored;
  const bits = BigInt(`0x${mask}`);
  for (const [num, name] of NAMES) {
    if ((bits >> BigInt(num - 1)) & 1n && !BUN_IGNORES.has(name)) ignored.add(name);
  }
  return ignored;
}

/**
 * Signals ignored when this process started: by `nohup` (SIGHUP), or by a
 * non-interactive shell for a `cmd &` job (SIGINT, SIGQUIT). Read when this module
 * loads, before any handler of ours replaces the inherited disposition.
 */
export const INHERITED_IGNORED: ReadonlySet<NodeJS.Signals> = ignoredAtStart();

interface ProcStat {
  pgrp: number;
  ttyNr: number;
  tpgid: number;
}

function stat(pid: number | "self"): ProcStat | undefined {
  const text = readSmall(`/proc/${pid}/stat`);
  if (!text) return undefined;
  // The command name in parentheses may hold spaces: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { pgrp: Number(fields[2]), ttyNr: Number(fields[4]), tpgid: Number(fields[5]) };
}

/**
 * Whether a signal typed at the terminal (Ctrl-C, Ctrl-\) reached the child as
 * well as us: the kernel sends it to the terminal's foreground process group, so
 * that is when we are in that group and the child has stayed in ours.
 */
export function terminalSignalsReachChild(childPid: number | undefined): boolean {
  const self = stat("self");
  // Loaded here, not at the top: every builtin a compiled binary imports statically is
  // loaded at start-up by every command (node:tty costs ~8 ms), and this is the rare path.
  if (!self) return (require("node:tty") as typeof import("node:tty")).isatty(0);
  if (self.ttyNr === 0 || self.tpgid !== self.pgrp) return false;
  const child = childPid === undefined ? undefined : stat(childPid);
  return child === undefined || child.pgrp === self.pgrp;
}
