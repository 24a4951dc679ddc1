import type { Client } from "../../client/client.ts";
import type { Recipient } from "../../client/recipient.ts";
import type { MessageHook } from "../../hooks/hook-file.ts";
import type { Policy } from "../../policy/policy.ts";
import type { ArrayTask } from "../array/array.ts";
import type { LineEnd } from "../process/lineend.ts";
import type { SignalRelay } from "../process/signals.ts";
import type { UrgentChoice } from "../report/urgent.ts";

/** What `mmn run` asks of a run: the command, and how it is reported, timed and connected. */
export interface WrapOptions {
  command: string[];
  /** The run's id: its hook, its log's name, the command's MMN_RUN_ID. */
  id: string;
  report: ReportChoices;
  timing: RunTiming;
  io: RunIo;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

/** Where the run is told, and how it is shown there. */
interface ReportChoices {
  /** Undefined when there is no configuration or no recipient: the command runs all the same. */
  notify: Client | undefined;
  /** Who gets the messages; none without notifications. */
  recipient?: Recipient;
  /** A task of a job array, reporting to the array's one board. */
  array?: ArrayTask;
  /** The id of the thread the run posts in (--thread). */
  thread?: string;
  /** The events that notify (--on). */
  on: Policy;
  /** Which events are told by an urgent root post (--urgent; default: a failure). */
  urgent?: UrgentChoice;
  /** Put `@name` in the final reply. */
  mention?: string;
  title?: string;
  hideCommand: boolean;
  tailLines: number;
  /** Globs of the files to attach to the final reply, matched at the end. */
  attach?: readonly string[];
  /** Who may stop the run, ask for its tail or silence it by reacting to its status post; none: nobody. */
  control?: readonly string[];
}

/** The run's waits, in milliseconds. */
export interface RunTiming {
  /** Between live edits, when there is news. */
  intervalMs: number;
  /** A silent job's status is still edited this often, so that its elapsed time stays true. */
  heartbeatMs: number;
  /** A minute of the live edits' schedule, which slows them down as the run ages (run/report/edit-pace.ts). */
  paceMinuteMs: number;
  /** How long to wait on the network after the command ended; less after a signal. */
  finishBudgetMs: number;
  signalBudgetMs: number;
  /** At the end, how long a server that fails or does not answer is tried (a rate limit: the whole budget). */
  endUnansweredMs: number;
  /** How long an array task's failure waits for others ending with it, to tell them in one reply. */
  arrayGatherMs: number;
  /** A time-limit mark already past at the start is said this long after it. */
  lateWarningMs: number;
  /** After a 🛑 from the phone, the SIGTERM's grace before a SIGKILL (Slurm's default KillWait). */
  stopGraceMs: number;
  /** From the start to giving back the heap the start left (session/start.ts). */
  settleMs: number;
  /** Tests only: the system clock steps forward this much once the command has started. */
  clockStepMs?: number;
}

/** What the command is given and what its output goes into besides our own stdout and stderr. */
export interface RunIo {
  /** Caught since before the start: the command gets what came before it existed. */
  signals: SignalRelay;
  /** Open files above stderr the command gets, as exec would pass them. */
  passFds: readonly number[];
  /** Told of the command's output that goes where our stderr goes, for our warnings among it. */
  stderrLine: LineEnd;
  /** --log, checked and opened; otherwise the log is a temporary file, removed at the end. */
  log?: LogChoice;
  /** Attach the log to the final reply (--no-logs: keep none). */
  attachLog: boolean;
  /** Largest log attachment, before the server's own MaxFileSize. */
  maxLogBytes: number;
}

/** Where the log goes when --log names a file: checked, resolved and opened before the command runs. */
export interface LogChoice {
  path: string;
  /** The file stdout or stderr already goes to (`--log job.out … > job.out`): written once, not emptied. */
  isOutput: boolean;
  /** What is written and attached: the file as it was checked, never its name again. */
  fd: number;
}

export interface WrapResult {
  /** The command's exit code, as a shell reports it. */
  code: number;
  /** Where this run's status post is, when it was posted. */
  hook?: MessageHook;
}
