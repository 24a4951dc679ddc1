import { UsageError } from "../errors.ts";
import { isTerminal } from "./tty.ts";

/**
 * The message: the argument, or stdin when the argument is `-` or missing and stdin is
 * not a terminal (`make 2>&1 | tail | mmn send`).
 */
export async function readMessage(arg: string | undefined, options: { required: boolean }): Promise<string> {
  if (arg !== undefined && arg !== "-") return arg;
  if (arg === "-" || !isTerminal(0)) {
    const text = await Bun.stdin.text();
    return text.replace(/\n$/, "");
  }
  if (options.required) {
    throw new UsageError("no message given", { hint: 'pass it as an argument, or pipe it in: echo hi | mmn send' });
  }
  return "";
}
