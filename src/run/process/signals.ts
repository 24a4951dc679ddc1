import { INHERITED_IGNORED, terminalSignalsReachChild } from "./procfs.ts";

/**
 * SIGINT, SIGTERM, SIGHUP: the usual ways to stop a job; SIGUSR1/SIGUSR2: what
 * `sbatch --signal` sends before the time limit; SIGQUIT: Ctrl-\; SIGALRM, SIGXCPU:
 * sent by some batch systems near a limit. Bun dies of most of them by default, so
 * catching them also keeps us alive to report the end.
 */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
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

interface SignalTarget {
  readonly pid?: number | undefined;
  signal(sig: NodeJS.Signals): void;
}

/** Called for every signal the command was sent; forwarded is false when it got it from the terminal. */
type SignalListener = (sig: NodeJS.Signals, forwarded: boolean) => void;

export interface SignalRelay {
  /**
   * The command exists: the signals caught so far reach it now, each once and in the order
   * they came, later ones as they come; the listener hears of each.
   */
  attach(target: SignalTarget, listener?: SignalListener): void;
  /** Removes the handlers. */
  stop(): void;
}

/**
 * Catches the signals from now on, before the command exists: `scancel` at a job's start
 * must neither kill us between the spawn and the handlers (the command would run on,
 * orphaned and never reported) nor be lost. Until `attach`, a signal is kept.
 * Two rules keep us from changing what the command sees:
 * - a signal ignored when we started (nohup, `cmd &` in a script) stays ignored,
 *   as a shell does: no handler (the child keeps it ignored too, see child.ts);
 * - Ctrl-C and Ctrl-\ typed at the terminal already reach the child, which is in
 *   our process group: passing them on would deliver them twice (a second Ctrl-C
 *   often means "abort now"). The same signal sent by `kill` while we are in the
 *   terminal's foreground group is then not forwarded: the price of telling them
 *   apart without siginfo. One typed before the child existed did not reach it: kept.
 */
export function catchSignals(): SignalRelay {
  const installed: Array<[NodeJS.Signals, () => void]> = [];
  const pending = new Set<NodeJS.Signals>();
  let target: SignalTarget | undefined;
  let listener: SignalListener | undefined;
  const deliver = (sig: NodeJS.Signals, forwarded: boolean) => {
    if (forwarded) target!.signal(sig);
    listener?.(sig, forwarded);
  };
  for (const sig of FORWARDED_SIGNALS) {
    if (INHERITED_IGNORED.has(sig)) continue;
    const handler = () => {
      if (!target) pending.add(sig);
      else deliver(sig, !(TERMINAL_SIGNALS.has(sig) && terminalSignalsReachChild(target.pid)));
    };
    process.on(sig, handler);
    installed.push([sig, handler]);
  }
  return {
    attach(to, onSignal) {
      target = to;
      listener = onSignal;
      for (const sig of pending) deliver(sig, true);
      pending.clear();
    },
    stop() {
      for (const [sig, handler] of installed) process.off(sig, handler);
      installed.length = 0;
    },
  };
}
