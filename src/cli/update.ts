import { UsageError } from "../errors.ts";
import { readHookFile, validateId } from "../hooks.ts";
import { command, contextOf, fileArg, jsonArg, messageArg, onePositional, timeoutArg, timeoutOption } from "./_shared.ts";
import { list, parseFlags, str } from "./argv.ts";
import { connect } from "./connect.ts";
import { readMessage } from "./input.ts";
import { printResult } from "./output.ts";

const args = {
  ...messageArg,
  id: { type: "string", description: "the id the message was sent with (send --id)", valueHint: "ID" },
  hook: { type: "string", description: "a hook file written by send --save-hook or the Python package", valueHint: "FILE" },
  append: { type: "boolean", description: "add the text below the message instead of replacing it" },
  ...fileArg,
  ...timeoutArg,
  ...jsonArg,
} as const;

export const examples = `  mmn update --id nightly "nightly: 80 % done"
  mmn update --id nightly --append "step 3 finished"
  mmn update --hook job.msg "done" -f results.csv   # files go to a reply in the thread
  echo "new text" | mmn update --id nightly -`;

export default command({
  meta: { name: "mmn update", description: "Edit a message sent before (by its id or a hook file). Edits do not notify anyone; attached files are posted as a reply, which does." },
  args,
  async run({ rawArgs, data }) {
    const ctx = contextOf(data);
    const { values, positionals } = parseFlags(rawArgs, args, ["file"]);
    const idFlag = str(values.id);
    const hookFile = str(values.hook);
    if ((idFlag === undefined) === (hookFile === undefined)) {
      throw new UsageError("give the message as --id ID or --hook FILE (one of them)");
    }
    const hook = hookFile !== undefined ? await readHookFile(hookFile) : undefined;
    const id = hook?.id ?? validateId(idFlag!);
    const files = list(values.file);
    const { notify } = await connect(ctx, {}, timeoutOption(str(values.timeout)));
    if (hook) await notify.hooks.set(hook);
    else if (!(await notify.hooks.get(id))) {
      throw new UsageError(`no message with id ${JSON.stringify(id)} is known here`, {
        hint: "send it first with `mmn send --id`, or import its hook with `mmn hook import FILE` or `--hook FILE`",
      });
    }
    const message = await readMessage(onePositional(positionals, "message"), { files: files.length });
    const post = await notify.sendUpdate(message, { id, files, append: values.append === true });
    // Files alone leave the message as it was: what was posted is a reply in its thread.
    const action = message.trim() ? "updated" : "replied";
    await printResult({ notify, post, id, action, saveHook: undefined, json: values.json === true });
    return 0;
  },
});
