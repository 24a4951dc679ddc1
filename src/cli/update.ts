import { UsageError } from "../base/errors.ts";
import { readHookFile, validateId } from "../hooks/hook-file.ts";
import { fileFlag, jsonFlag, messageOperand, oneOperand, timeoutFlag, timeoutOption } from "./_shared.ts";
import { defineCommand } from "./command.ts";
import { connect } from "./connect.ts";
import { readMessage } from "./input.ts";
import { printResult } from "./output.ts";

export default defineCommand({
  name: "mmn update",
  description:
    "Edit a message sent before (by its id or a hook file). Edits do not notify anyone; attached files are posted as a reply, which does.",
  operands: [messageOperand],
  flags: {
    id: { type: "string", description: "the id the message was sent with (send --id)", valueHint: "ID" },
    hook: {
      type: "string",
      description: "a hook file written by send --save-hook or the Python package",
      valueHint: "FILE",
    },
    append: { type: "boolean", description: "add the text below the message instead of replacing it" },
    ...fileFlag,
    ...timeoutFlag,
    ...jsonFlag,
  },
  examples: `  mmn update --id nightly "nightly: 80 % done"
  mmn update --id nightly --append "step 3 finished"
  mmn update --hook job.msg "done" -f results.csv   # files go to a reply in the thread
  echo "new text" | mmn update --id nightly -`,
  async run({ flags, operands }, ctx) {
    if ((flags.id === undefined) === (flags.hook === undefined)) {
      throw new UsageError("give the message as --id ID or --hook FILE (one of them)");
    }
    const hook = flags.hook !== undefined ? await readHookFile(flags.hook) : undefined;
    const id = hook?.id ?? validateId(flags.id!);
    const { notify } = await connect(ctx, {}, timeoutOption(flags.timeout));
    if (hook) await notify.hooks.set(hook);
    else if (!(await notify.hooks.get(id))) {
      throw new UsageError(`no message with id ${JSON.stringify(id)} is known here`, {
        hint: "send it first with `mmn send --id`, or import its hook with `mmn hook import FILE` or `--hook FILE`",
      });
    }
    const message = await readMessage(oneOperand(operands, "message"), { files: flags.file.length });
    const post = await notify.sendUpdate(message, { id, files: flags.file, append: flags.append === true });
    // Files alone leave the message as it was: what was posted is a reply in its thread.
    const action = message.trim() ? "updated" : "replied";
    await printResult({ notify, post, id, action, saveHook: undefined, json: flags.json === true });
    return 0;
  },
});
