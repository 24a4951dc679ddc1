import { INHERITED_IGNORED, terminalSignalsReachChild } from "./procfs.ts";

/**
 * SIGINT, SIGTERM, SIGHUP: the usual ways to stop a job; SIGUSR1/SIGUSR2: what
 * `sbatch --signal` sends before the time limit; SIGQUIT: Ctrl-\; SIGALRM, SIGXCPU:
 * sent by some batch systems near a limit. Bun dies of most of them by default, so
 * catching them also keeps us alive to report the end.
 */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGALRM",
  "SIGXCPU",
];

// What a terminal sends to its whole foreground process group.
const TERMINAL_SIGNALS = new Set<NodeJS.Signals>(["SIGINT", "SIGQUIT"]);

export interface SignalTarget {
  readonly pid?: number | undefined;
  signal(sig: NodeJS.Signals): void;
}

export interface ForwardOptions {
  signals?: readonly NodeJS.Signals[];
  /** Called for every signal caught; forwarded is false when the child got it from the terminal. */
  onSignal?: (sig: NodeJS.Signals, forwarded: boolean) => void;
}

/**
 * Catches the signals and passes them on to the child; returns a function that
 * removes the handlers. Two rules keep us from changing what the child sees:
 * - a signal ignored when we started (nohup, `cmd &` in a script) stays ignored,
 *   as a shell does: no handler (the child keeps it ignored too, see child.ts);
 * - Ctrl-C and Ctrl-\ typed at the terminal already reach the child, which is in
 *   our process group: passing them on would deliver them twice (a second Ctrl-C
 *   often means "abort now"). The same signal sent by `kill` while we are in the
 *   terminal's foreground group is then not forwarded: the price of telling them
 *   apart without siginfo.
 */
export function forwardSignals(target: SignalTarget, opts: ForwardOptions = {}): () => void {
  const installed: Array<[NodeJS.Signals, () => void]> = [];
  for (const sig of opts.signals ?? FORWARDED_SIGNALS) {
    if (INHERITED_IGNORED.has(sig)) continue;
    const handler = () => {
      const forwarded = !(TERMINAL_SIGNALS.has(sig) && terminalSignalsReachChild(target.pid));
      if (forwarded) target.signal(sig);
      opts.onSignal?.(sig, forwarded);
    };
    process.on(sig, handler);
    installed.push([sig, handler]);
  }
  return () => {
    for (const [sig, handler] of installed) process.off(sig, handler);
    installed.length = 0;
  };
}
