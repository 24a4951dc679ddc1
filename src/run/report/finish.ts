import { basename } from "node:path";
import { errorMessage } from "../../base/errors.ts";
import type { Client } from "../../client/client.ts";
import { type LogLoss, logSlice, trimNote } from "./attachment.ts";
import { type Attachments, collectAttachments } from "./attachments.ts";
import { type ChartFile, chartFile } from "./chart-file.ts";
import { finalReply, type RunState } from "./render.ts";
import type { RunReporter } from "./run-reporter.ts";

export interface EndOptions {
  /** The policy does not push this end: the status post is edited, and no reply is made. */
  quiet: boolean;
  command: string[];
  id: string;
  title?: string | undefined;
  hideCommand: boolean;
  attachLog: boolean;
  /** Where the log is read from: the descriptor it was written through, never its name. */
  logPath?: string | undefined;
  /** What the log does not hold (a full $TMPDIR), for the reply. */
  logLoss?: LogLoss | undefined;
  /** Largest log attachment, before the server's own MaxFileSize. */
  maxLogBytes: number;
  /** Put `@name` in the final reply. */
  mention?: string | undefined;
  /** --attach: globs matched at the end, in the directory the command ran in. */
  attach?: readonly string[] | undefined;
  debug?: ((message: string) => void) | undefined;
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
  const { logPath, logLoss } = options;
  let log: Awaited<ReturnType<typeof logSlice>> | undefined;
  const serverMax = await Promise.race([maxFileSize, new Promise<undefined>((r) => setTimeout(r, 300).unref())]);
  if (options.attachLog && logPath && final.outputBytes > 0) {
    const limit = Math.min(options.maxLogBytes, serverMax ?? Infinity);
    log = await logSlice(logPath, logName(options), limit, logLoss).catch(() => undefined);
  }
  let made: Attachments | undefined;
  try {
    made = options.attach?.length ? await collectAttachments(options.attach, final.cwd, serverMax) : undefined;
  } catch (error) {
    made = { files: [], notes: [`the files to attach could not be looked for: ${errorMessage(error)}`], close() {} };
  }
  // The run as a picture, after the log: an array's board tells its tasks apart, not their charts.
  let chart: ChartFile | undefined;
  if (!reporter.reportsEveryEnd)
    chart = await chartFile(final.usage, options.debug ?? (() => {})).catch((error: unknown) => {
      options.debug?.(`the usage chart could not be drawn: ${errorMessage(error)}`);
      return undefined;
    });
  const lostLog = !log?.size && final.outputBytes > 0 && (logLoss?.full ?? logLoss?.stopped);
  // The note follows what is attached: a server that refuses the log (413) gets less of it.
  const text = (attached: number | undefined) => {
    const note =
      log && attached !== undefined
        ? trimNote({ ...log, size: attached })
        : lostLog
          ? `The log could not be kept: ${lostLog}.`
          : undefined;
    const reply = finalReply(final, {
      ...(options.mention ? { mention: options.mention } : {}),
      ...(note ? { logNote: note } : {}),
    });
    return made?.notes.length ? `${reply}\n${made.notes.map((n) => `(${n})`).join("\n")}` : reply;
  };
  const shrink = (size: number) => ({ ...log!, offset: log!.offset + log!.size - size, size });
  const files = [...(chart ? [chart.file] : []), ...(made?.files ?? [])];
  const attachments = files.length ? { attachments: files } : {};
  if (options.quiet) Object.assign(attachments, { quiet: true });
  try {
    await reporter.finish(final, { text, ...(log && log.size > 0 ? { log } : {}), shrink, ...attachments }, deadline);
  } finally {
    made?.close();
    chart?.close();
  }
}

/** Named after the title or the program; with --hide-command and no title, after the id alone. */
function logName(options: EndOptions): string {
  const base = options.title ?? (options.hideCommand ? "" : basename(options.command[0] ?? "command"));
  return `${base.replace(/[^\w.-]+/g, "_").slice(0, 60)}-${options.id}.log`.replace(/^[-_.]+/, "");
}

/** Asked once at the start, so the end knows how much log the server takes. */
export async function serverMaxFileSize(notify: Client): Promise<number | undefined> {
  return (await notify.serverLimits().catch(() => ({ maxFileSize: undefined }))).maxFileSize;
}
