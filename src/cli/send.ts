import type { Post } from "@mattermost/types/posts";
import type { MmnConfig } from "../config.ts";
import { unwritableReason } from "../atomic.ts";
import { AfterSendError, UsageError } from "../errors.ts";
import { validateId } from "../hooks.ts";
import type { Recipient } from "../notify.ts";
import { chooseTarget, command, contextOf, fileArg, jsonArg, messageArg, onePositional, targetArgs, timeoutArg, timeoutOption } from "./_shared.ts";
import { list, parseFlags, str } from "./argv.ts";
import { connect } from "./connect.ts";
import { readMessage } from "./input.ts";
import { printResult } from "./output.ts";

const args = {
  ...messageArg,
  ...targetArgs,
  ...fileArg,
  id: { type: "string", description: "remember the message under this id; if the id exists, update that message instead", valueHint: "ID" },
  "save-hook": { type: "string", alias: "s", description: "also write the message's hook to this file", valueHint: "FILE" },
  "reply-to": { type: "string", description: "reply in the thread of the message with this id", valueHint: "ID" },
  ...timeoutArg,
  ...jsonArg,
} as const;

export const examples = `  mmn send "build finished"                      # to the default user or channel
  mmn send "results" -u alice -f plot.png -f log.txt
  mmn send -c town-square --id nightly "nightly: running"
  mmn send --id nightly "nightly: done ✔"         # same id: edits that message
  tail -n 50 train.log | mmn send -u alice        # message from stdin
  mmn send --reply-to nightly "details" -f report.pdf`;

export default command({
  meta: { name: "mmn send", description: "Send a message, with files, to a user or a channel." },
  args,
  async run({ rawArgs, data }) {
    const ctx = contextOf(data);
    const { values, positionals } = parseFlags(rawArgs, args, ["file"]);
    const target = chooseTarget(str(values.user), str(values.channel));
    const idFlag = str(values.id);
    const id = idFlag === undefined ? undefined : validateId(idFlag);
    const replyTo = str(values["reply-to"]);
    if (replyTo !== undefined) validateId(replyTo);
    if (replyTo !== undefined && (target.user || target.channel)) {
      throw new UsageError("--reply-to posts in that message's thread: drop -u/-c");
    }
    const files = list(values.file);
    const saveHook = str(values["save-hook"]);
    const unwritable = saveHook === undefined ? undefined : await unwritableReason(saveHook);
    if (unwritable) throw new UsageError(`cannot write the hook file ${saveHook}: ${unwritable}`);
    const { notify, config } = await connect(ctx, {}, timeoutOption(str(values.timeout)));
    const message = await readMessage(onePositional(positionals, "message"), { files: files.length });
    const json = values.json === true;
    let result: { post: Post; action: string };
    try {
      result = await notify.deliver(message, { to: recipientOf(target, config.config), id, replyTo, files });
    } catch (error) {
      // Sent but not remembered: say what went out before saying what failed.
      // With --json, main tells it, in the one object it prints for the failure.
      if (error instanceof AfterSendError && !json) await printResult({ notify, post: error.post, id: undefined, action: "sent", saveHook: undefined, json });
      throw error;
    }
    await printResult({ notify, ...result, id, saveHook, json });
    return 0;
  },
});

/** The flags' recipient, else the configured default; a reply or a known id needs none. */
function recipientOf(target: { user?: string; channel?: string }, config: MmnConfig): Recipient | undefined {
  const user = target.user ?? (target.channel ? undefined : config.user);
  const channel = target.channel ?? (target.user ? undefined : config.channel);
  return user ? { user } : channel ? { channel } : undefined;
}
