import type { FileInput } from "../../client/files.ts";
import type { MessageHook } from "../../hooks/hook-file.ts";
import type { RunState } from "./render.ts";

type LogFile = FileInput & { size: number };

export interface FinalReply {
  /** The reply's text for this many bytes of the log attached, or none. */
  text: (attached: number | undefined) => string;
  log?: LogFile;
  /** The log's last `size` bytes, for a server that finds it too large. */
  shrink: (size: number) => LogFile;
  /** What --attach found: on the reply after the log, the rest of them in its thread. */
  attachments?: FileInput[];
  /** No reply: the policy (--on) does not push this end; the status post alone shows it. */
  quiet?: true;
}

/** What the wrapper tells as the run goes: the run's own status post, or an array's board. */
export interface RunReporter {
  /** Where the message is, once it is out: for --save-hook. */
  readonly hook: MessageHook | undefined;
  /** The end is told whatever --on says: an array's board counts every task. */
  readonly reportsEveryEnd: boolean;
  tick(state: RunState, version: string): void;
  urgent(state: RunState, version: string): void;
  /** A reply that notifies, during the run (the time limit is near), or urgent (--urgent) a root post with priority; a reporter without one stays quiet. */
  say?(message: string, urgent?: boolean): void;
  /** 🔕 from the phone: no more notifying replies from this run (the end's included); the status post still shows all. */
  silence?(): void;
  /** A reply asked for from the phone (👀): sent even when silenced. */
  answer?(message: string): void;
  finish(state: RunState, reply: FinalReply, deadline: number): Promise<void>;
  abandoned(seconds: number): string | undefined;
}
