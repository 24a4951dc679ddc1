/**
 * `--dry-run` of `mmn send` and `mmn run`: every check of the real command (flags, the
 * configuration, the recipient, the files), then what would be posted, on stdout; no request is
 * made, nothing is written and, for run, the command is not started.
 */
import { formatBytes } from "../base/bytes.ts";
import { errorMessage, UsageError } from "../base/errors.ts";
import { requireContent } from "../client/checks.ts";
import type { Client } from "../client/client.ts";
import { prepareFiles } from "../client/files.ts";
import type { Recipient } from "../client/recipient.ts";
import type { LoadedConfig } from "../config/config.ts";
import { postsEarly } from "../policy/policy.ts";
import { arrayTask, startPreview, toldEvents } from "../run/index.ts";
import { connect } from "./connect.ts";
import type { CliContext } from "./context.ts";
import { attachGlobs, audience, configSettings, type Settings } from "./run-options.ts";
import { print, ui } from "./ui.ts";

const named = (to: Recipient) => ("user" in to ? `@${to.user}` : `~${to.channel}`);
const quoted = (id: string) => JSON.stringify(id);

/** What `mmn send` would do with this message: a new post, a reply, an edit of a known one. */
export async function previewSend(
  notify: Client,
  ask: {
    message: string;
    to: Recipient | undefined;
    id: string | undefined;
    replyTo: string | undefined;
    files: readonly string[];
    outbox: boolean;
    json: boolean;
  },
): Promise<void> {
  const { message, to, id, replyTo, json } = ask;
  const files = await prepareFiles(ask.files);
  requireContent(message, files);
  const known = id !== undefined && (await notify.hooks.get(id)) !== undefined;
  if (!known && replyTo !== undefined && !(await notify.hooks.get(replyTo)))
    throw new UsageError(`no message with id ${quoted(replyTo)} is known`, {
      hint: "send one with this id first, or import its hook file",
    });
  if (!known && replyTo === undefined && !to)
    throw new UsageError("no recipient: nobody to send to", {
      hint: "name a user or a channel (-u NAME or -c CHANNEL), or set a default one (mmn setup)",
    });
  const action = known ? (message.trim() ? "update" : "reply") : replyTo !== undefined ? "reply" : "send";
  if (json) {
    const described = files.map((f) => ({ path: f.path, name: f.name, size: f.size }));
    const where = known ? { id } : replyTo !== undefined ? { reply_to: replyTo } : { to };
    print(`${JSON.stringify({ dry_run: true, action, ...where, id: id ?? null, message, files: described })}\n`);
    return;
  }
  const what = known
    ? action === "update"
      ? `an edit of the message known as ${quoted(id)}${files.length ? ", its files in a reply in its thread" : ""}`
      : `the files as a reply in the thread of the message known as ${quoted(id)}`
    : `${replyTo !== undefined ? `a reply in the thread of the message known as ${quoted(replyTo)}` : `a new message to ${named(to!)}`}${id !== undefined ? `, remembered as ${quoted(id)}` : ""}`;
  const lines = [
    "dry run: nothing sent",
    `would send ${what}${ask.outbox ? ", kept in the outbox for mmn relay" : ""}`,
    ...files.map((f) => `file: ${f.path} (${formatBytes(f.size)})`),
    ...(message ? ["message:", message] : []),
  ];
  print(`${lines.join("\n")}\n`);
}

/** What of run's flags a dry run reads besides those every run checks first. */
interface RunFlags {
  delivery?: string | undefined;
  mention?: string | true | undefined;
  title?: string | undefined;
  "hide-command"?: boolean | undefined;
  logs?: boolean | undefined;
  attach: string[];
  array?: string | undefined;
}

/**
 * What `mmn run` would post, and when: the configuration and the recipient chosen as the run
 * chooses them (a broken configuration: why it would post nothing), the start message drawn.
 */
export async function previewRun(
  ctx: CliContext,
  flags: RunFlags,
  ask: {
    command: readonly string[];
    target: Recipient | undefined;
    id: string;
    thread: string | undefined;
    settings: Partial<Settings>;
  },
): Promise<number> {
  const { command, id, thread } = ask;
  const lines = ["dry run: the command is not run and nothing is posted", `command: ${command.join(" ")}`];
  let loaded: LoadedConfig | undefined;
  let unreported: unknown;
  try {
    ({ config: loaded } = await connect(ctx, { delivery: flags.delivery }));
  } catch (error) {
    unreported = error;
  }
  const warn = (message: string) => ui.raw(message);
  const configured = configSettings(loaded, ask.settings, warn);
  const { interval, tail } = configured;
  // As the run would: an event --urgent names is told.
  const on = toldEvents(configured.on, configured.urgent);
  const { recipient, mention } = audience(ask.target ?? {}, flags.mention, loaded?.config ?? {}, warn);
  if (unreported !== undefined || !recipient) {
    const why = unreported !== undefined ? errorMessage(unreported) : "no recipient (-u, -c or mmn setup)";
    lines.push(`nothing would be posted: ${why}; the command would run without notifications`);
    print(`${lines.join("\n")}\n`);
    return 0;
  }
  const array = flags.array === "each" ? undefined : arrayTask(ctx.env);
  const where = thread !== undefined ? ` in the thread of the message known as ${quoted(thread)}` : "";
  lines.push(`to: ${named(recipient)}${where}, as ${quoted(id)}`);
  const attach = attachGlobs(flags.attach, loaded?.config.attach);
  const end = [
    "the outcome",
    ...(flags.logs !== false ? ["the log attached"] : []),
    ...(attach.length ? [`the files matching ${attach.join(", ")}`] : []),
    ...(mention ? [`mentioning @${mention}`] : []),
  ].join(", ");
  if (array) lines.push(`reported on the board of array ${array.arrayId} (${array.boardId}), one line per task`);
  else if (!postsEarly(on)) lines.push(`no start message; only if the command fails, one message with ${end}`);
  else {
    const start = startPreview({
      command,
      id,
      title: flags.title,
      hideCommand: flags["hide-command"] === true,
      tailLines: tail,
    });
    const shown = tail > 0 ? ` with its last ${tail} lines of output` : "";
    lines.push(
      `the start message, edited every ${interval} s while it runs${shown}:`,
      start,
      `at the end: the message edited, and a reply with ${end}`,
    );
  }
  print(`${lines.join("\n")}\n`);
  return 0;
}
