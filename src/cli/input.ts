import { formatBytes } from "../base/bytes.ts";
import { UsageError } from "../base/errors.ts";
import { MAX_MESSAGE_BYTES } from "../client/split.ts";
import { isTerminal } from "./tty.ts";

/**
 * The message: the argument, or stdin when the argument is `-`, or when there is neither a
 * message nor a file and stdin is not a terminal (`make 2>&1 | tail | mmn send`). A send
 * of files alone never reads stdin: in `while read f; do mmn send -f "$f"; done < list` it
 * would eat the loop's input, and under `ssh host mmn send -f x` it would wait for ever.
 */
export async function readMessage(arg: string | undefined, options: { files: number }): Promise<string> {
  if (arg !== undefined && arg !== "-") return arg;
  if (arg === "-" || (options.files === 0 && !isTerminal(0)))
    return (await readStdin(MAX_MESSAGE_BYTES, tooLong)).replace(/\n$/, "");
  if (options.files > 0) return "";
  throw new UsageError("no message given", { hint: "pass it as an argument, or pipe it in: echo hi | mmn send" });
}

/** 5 MB of stdin are not 300 posts. */
const tooLong = () =>
  new UsageError(`the message on stdin is larger than ${formatBytes(MAX_MESSAGE_BYTES)}: nothing was sent`, {
    hint: 'send a long text as a file: mmn send "the log" -f log.txt (or its end: tail -n 100 log.txt | mmn send)',
  });

/** Stdin, at most `maxBytes` (`mmn send < /dev/zero` must end): past it, `tooLarge()` is thrown. */
export async function readStdin(maxBytes: number, tooLarge: () => Error): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Node (the npm package's mmn) has no Bun.stdin.
  const bun = (globalThis as { Bun?: typeof Bun }).Bun;
  const stdin: AsyncIterable<Uint8Array> = bun ? bun.stdin.stream() : process.stdin;
  for await (const chunk of stdin) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
