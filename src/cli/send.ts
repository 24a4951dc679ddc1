import type { Post } from "@mattermost/types/posts";
import { unwritableReason } from "../base/atomic.ts";
import { AfterSendError, UsageError } from "../base/errors.ts";
import { pickRecipient } from "../client/recipient.ts";
import { webhookCannot } from "../client/webhook-courier.ts";
import { validateId } from "../hooks/hook-file.ts";
import {
  deliveryFlag,
  fileFlag,
  jsonFlag,
  messageOperand,
  oneOperand,
  targetFlags,
  targetOf,
  timeoutFlag,
  timeoutOption,
} from "./_shared.ts";
import { defineCommand } from "./command.ts";
import { connect, deliveryOf } from "./connect.ts";
import { readMessage } from "./input.ts";
import { printResult } from "./output.ts";
import { phase } from "./trace.ts";

export default defineCommand({
  name: "mmn send",
  description: "Send a message, with files, to a user or a channel.",
  operands: [messageOperand],
  elsewhere: { append: "adding to a message is mmn update's: mmn update --id ID --append TEXT" },
  flags: {
    ...targetFlags,
    ...fileFlag,
    id: {
      type: "string",
      description: "remember the message under this id; if the id exists, update that message instead",
      valueHint: "ID",
    },
    "save-hook": {
      type: "string",
      alias: "s",
      description: "also write the message's hook to this file",
      valueHint: "FILE",
    },
    "reply-to": { type: "string", description: "reply in the thread of the message with this id", valueHint: "ID" },
    ...timeoutFlag,
    ...deliveryFlag,
    ...jsonFlag,
    "dry-run": {
      type: "boolean",
      description: "print what would be sent (recipient, message, files) and send nothing",
    },
  },
  examples: `  mmn send "build finished"                      # to the default user or channel
  mmn send "results" -u alice -f plot.png -f log.txt
  mmn send -c town-square --id nightly "nightly: running"
  mmn send --id nightly "nightly: done ✔"         # same id: edits that message
  tail -n 50 train.log | mmn send -u alice        # message from stdin
  mmn send --reply-to nightly "details" -f report.pdf
  mmn send --dry-run "results" -c hpc-jobs -f plot.png   # what would be sent; nothing is`,
  async run({ flags, operands }, ctx) {
    const target = targetOf(flags);
    const id = flags.id === undefined ? undefined : validateId(flags.id);
    const replyTo = flags["reply-to"];
    if (replyTo !== undefined) validateId(replyTo);
    if (replyTo !== undefined && target) {
      throw new UsageError("--reply-to posts in that message's thread: drop -u/-c");
    }
    const saveHook = flags["save-hook"];
    const unwritable = saveHook === undefined ? undefined : await unwritableReason(saveHook);
    if (unwritable) throw new UsageError(`cannot write the hook file ${saveHook}: ${unwritable}`);
    const { notify, config } = await connect(ctx, { delivery: flags.delivery }, timeoutOption(flags.timeout));
    // No post comes back from a webhook: nothing for a hook file to name.
    if (notify.webhook && saveHook !== undefined) throw webhookCannot("save a message's hook (it answers no post)");
    const message = await readMessage(oneOperand(operands, "message"), { files: flags.file.length });
    const json = flags.json === true;
    if (flags["dry-run"]) {
      const to = target ?? pickRecipient({}, config.config);
      const outbox = deliveryOf(config.config) === "outbox";
      // Loaded only for a dry run: it stands on run/'s drawing, which a send does not load.
      const { previewSend } = await import("./dry-run.ts");
      await previewSend(notify, { message, to, id, replyTo, files: flags.file, outbox, json });
      return 0;
    }
    let result: { post: Post; action: string };
    try {
      result = await notify.deliver(message, {
        to: target ?? pickRecipient({}, config.config),
        id,
        replyTo,
        files: flags.file,
      });
      phase("delivered");
    } catch (error) {
      // Sent but something after failed: say what went out before saying what failed.
      // With --json, main tells it, in the one object it prints for the failure.
      if (error instanceof AfterSendError && !json)
        await printResult({ notify, post: error.post, id: undefined, action: "sent", saveHook: undefined, json });
      throw error;
    }
    await printResult({ notify, ...result, id, saveHook, json });
    phase("printed");
    return 0;
  },
});
