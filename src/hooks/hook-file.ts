/**
 * One message hook as a file: the format Mattermost Notify (Python) writes (and mmn's fifth
 * line), read within bounds and written atomically, and the ids that may name one.
 */
import { writeFileAtomic } from "../base/atomic.ts";
import { errnoText } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";
import { isId } from "../base/ids.ts";
import { printable } from "../base/printable.ts";
import { readSmallFile, readStateFile } from "../base/read-file.ts";

/** Where a sent message lives, so that it can be edited later, from any process. */
export interface MessageHook {
  /** The name the message is known by (`--id`, `{ id }`). */
  id: string;
  /** The channel the post is in. */
  channelId: string;
  /** The post itself. */
  postId: string;
  /** Server URL the post lives on (mmn's fifth line; absent in the files of Mattermost Notify (Python)). */
  server?: string;
  /** Thread root when the post is a reply, so that follow-ups land in the same thread. */
  rootId?: string;
  /** ISO 8601 time the message was first sent. */
  createdAt?: string;
}

const HEADER = "[Mattermost-Notify Message Hook]";
const MAX_ID_BYTES = 200;
/** Four lines and one of JSON: anything much larger is not a hook. */
const MAX_HOOK_BYTES = 16 * 1024;
/** A hook file named by the user (`--hook FILE`, `hook import`): a pipe is fine. */
const readHookText = async (path: string) =>
  (await readSmallFile(path, { maxBytes: MAX_HOOK_BYTES, allowPipe: true })).text;
/** A message made elsewhere, found (and remembered under the asked id) where one is: `Client#once`'s `existing`. */
export type FindHook = () => Promise<MessageHook | undefined>;

/** A hook in the store, which may be a shared directory: only a regular file of ours. */
export const readStoredHook = async (path: string) => (await readStateFile(path, MAX_HOOK_BYTES)).text;

/** An id names a file in the hook store: it must never reach outside it. */
export function validateId(id: string): string {
  const problem =
    id.length === 0
      ? "is empty"
      : Buffer.byteLength(id) > MAX_ID_BYTES
        ? `is longer than ${MAX_ID_BYTES} bytes`
        : /[/\\]/.test(id)
          ? "contains a slash"
          : id.includes("..")
            ? 'contains ".."'
            : id.startsWith(".")
              ? 'starts with "."'
              : /[\p{Cc}]/u.test(id)
                ? "contains a control character"
                : undefined;
  if (problem) {
    throw new UsageError(`invalid message id ${JSON.stringify(id)}: it ${problem}`, {
      hint: "an id is a name like `train-42` or `job.123`, not a path",
    });
  }
  return id;
}

/** The four lines of Mattermost Notify (Python), plus one line of JSON with what they lack. */
export function formatHook(hook: MessageHook): string {
  const lines = [HEADER, hook.id, hook.channelId, hook.postId];
  const extra: Record<string, string> = {};
  if (hook.server) extra.server = hook.server;
  if (hook.rootId) extra.root_id = hook.rootId;
  if (hook.createdAt) extra.created_at = hook.createdAt;
  if (Object.keys(extra).length > 0) lines.push(JSON.stringify(extra));
  return lines.join("\n");
}

export function parseHook(text: string, source: string): MessageHook {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== HEADER) {
    throw new UsageError(`${source} is not a message hook file: its first line is not ${HEADER}`);
  }
  const [id, channelId, postId] = lines.slice(1, 4).map((line) => line.trim());
  // The ids go into request paths and onto the terminal: a line of anything else is no hook.
  if (!id || !isId(channelId) || !isId(postId)) {
    throw new UsageError(`${source} is not a complete message hook: it needs an id, a channel id and a post id`, {
      hint: "a hook file has four lines: the header, the id, the channel id and the post id",
    });
  }
  // Any id the Python package wrote: only a hook store on disk needs it to name a file.
  const hook: MessageHook = { id, channelId: channelId!, postId: postId! };
  const extra = parseExtra(lines[4]);
  if (typeof extra.server === "string") hook.server = printable(extra.server, 300);
  if (isId(extra.root_id)) hook.rootId = extra.root_id;
  if (typeof extra.created_at === "string") hook.createdAt = printable(extra.created_at, 40);
  return hook;
}

function parseExtra(line: string | undefined): Record<string, unknown> {
  if (!line?.trim().startsWith("{")) return {};
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function readHookFile(path: string): Promise<MessageHook> {
  let text: string;
  try {
    text = await readHookText(path);
  } catch (error) {
    throw new UsageError(`cannot read hook file ${path}: ${errnoText(error)}`);
  }
  return parseHook(text, path);
}

/** Atomic: a reader, or a second writer of the same id, never sees half a file. */
export async function writeHookFile(path: string, hook: MessageHook): Promise<void> {
  try {
    await writeFileAtomic(path, formatHook(hook));
  } catch (code) {
    throw new UsageError(`cannot write hook file ${path}: ${errnoText(code)}`);
  }
}
