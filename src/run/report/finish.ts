import { basename } from "node:path";
import type { Notify } from "../../notify.ts";
import { logSlice, trimNote } from "./attachment.ts";
import { collectAttachments } from "./attachments.ts";
import { finalReply, type RunState } from "./render.ts";
import type { RunReporter } from "./run-reporter.ts";

export interface EndOptions {
  command: string[];
  id: string;
  title?: string | undefined;
  hideCommand: boolean;
  attachLog: boolean;
  logPath?: string | undefined;
  /** Largest log attachment, before the server's own MaxFileSize. */
  maxLogBytes: number;
  /** Put `@name` in the final reply. */
  mention?: string | undefined;
  /** --attach: globs matched at the end, in the directory the command ran in. */
  attach?: readonly string[] | undefined;
}

/**
 * The end: the log's slice that the server takes, the reply that notifies (its note following
 * what is attached), and the final state, handed to the reporter with the deadline.
 */
export async function finish(
  reporter: RunReporter,
  final: RunState,
  options: EndOptions,
  maxFileSize: Promise<number | undefined>,
  deadline: number,
): Promise<void> {
  const { logPath } = options;
  let log: Awaited<ReturnType<typeof logSlice>> | undefined;
  const serverMax = await Promise.race([maxFileSize, new Promise<undefined>((r) => setTimeout(r, 300).unref())]);
  if (options.attachLog && logPath && final.outputBytes > 0) {
    const limit = Math.min(options.maxLogBytes, serverMax ?? Infinity);
    log = await logSlice(logPath, logName(options), limit).catch(() => undefined);
  }
  const made = options.attach?.length ? await collectAttachments(options.attach, final.cwd, serverMax) : undefined;
  // The note follows what is attached: a server that refuses the log (413) gets less of it.
  const text = (attached: number | undefined) => {
    const note = log && attached !== undefined ? trimNote({ ...log, size: attached }) : undefined;
    const reply = finalReply(final, {
      ...(options.mention ? { mention: options.mention } : {}),
      ...(note ? { logNote: note } : {}),
    });
    return made?.notes.length ? `${reply}\n${made.notes.map((n) => `(${n})`).join("\n")}` : reply;
  };
  const shrink = (size: number) => ({ ...log!, offset: log!.offset + log!.size - size, size });
  const attachments = made?.files.length ? { attachments: made.files } : {};
  await reporter.finish(final, { text, ...(log && log.size > 0 ? { log } : {}), shrink, ...attachments }, deadline);
}

/** Named after the title or the program; with --hide-command and no title, after the id alone. */
function logName(options: EndOptions): string {
  const base = options.title ?? (options.hideCommand ? "" : basename(options.command[0] ?? "command"));
  return `${base.replace(/[^\w.-]+/g, "_").slice(0, 60)}-${options.id}.log`.replace(/^[-_.]+/, "");
}

/** Asked once at the start, so the end knows how much log the server takes. */
export async function serverMaxFileSize(notify: Notify): Promise<number | undefined> {
  return (await notify.serverLimits().catch(() => ({ maxFileSize: undefined }))).maxFileSize;
}
