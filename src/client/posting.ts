import type { Post } from "@mattermost/types/posts";
import { formatBytes } from "../base/bytes.ts";
import { ServerError } from "../base/errors.ts";
import type { Api, Deadline } from "../mattermost/api.ts";
import * as rest from "../mattermost/endpoints.ts";
import { chunk, MAX_FILES_PER_POST, type UploadFile, uploadBatches } from "./files.ts";
import { MAX_POSTS_PER_MESSAGE, splitMessage } from "./split.ts";

/** The name a long message's whole text is attached under. */
const LONG_MESSAGE_FILE = "message.txt";

/**
 * What to do with a file larger than the server takes: `skip` sends the message with the
 * files that fit and says which did not (one file must not cost the whole notification);
 * `fail` refuses it, for a caller with a plan of its own (a log sent again smaller).
 */
export type Oversized = "skip" | "fail";

export interface PostOptions {
  rootId?: string | undefined;
  props?: Record<string, unknown> | undefined;
  pendingPostId?: string | undefined;
  /** Message priority, on the first post: the server refuses it on replies. */
  priority?: rest.PostPriority | undefined;
  oversized?: Oversized;
  /** The server's MaxFileSize, when known: a larger file is not even sent. */
  maxFileSize?: number | undefined;
  /** The call's deadline, when its caller gave one. */
  deadline?: Deadline | undefined;
}

/** The files that were not attached, and the refusal that says why. */
export interface Skipped {
  files: UploadFile[];
  error: ServerError;
}

/**
 * How a message and its files become posts: the files uploaded first, the text split at
 * the post limit, and what does not fit in one post (text, files beyond ten) in its thread.
 */
export class Poster {
  constructor(
    private readonly api: Api,
    private readonly maxRunes: number,
  ) {}

  /** The text in pieces of at most one post each. */
  split(text: string): string[] {
    return splitMessage(text, this.maxRunes);
  }

  /** Uploads come first, so that a refused file leaves nothing behind in the channel. */
  async post(
    channelId: string,
    message: string,
    files: UploadFile[],
    options: PostOptions,
  ): Promise<{ post: Post; skipped?: Skipped }> {
    const { text: head, file } = this.fit(message);
    const { ids, skipped } = await this.upload(channelId, file ? [...files, file] : files, options);
    if (skipped && !message.trim() && ids.length === 0) throw skipped.error;
    const text = skipped ? `${head}${head.trim() ? "\n" : ""}${notAttachedNote(skipped)}` : head;
    const [first = "", ...more] = this.split(text);
    const [firstFiles = [], ...moreFiles] = chunk(ids, MAX_FILES_PER_POST);
    const post = await rest.createPost(
      this.api,
      {
        channel_id: channelId,
        message: first,
        ...(options.rootId ? { root_id: options.rootId } : {}),
        ...(firstFiles.length ? { file_ids: firstFiles } : {}),
        ...(options.props ? { props: options.props } : {}),
        ...(options.pendingPostId ? { pending_post_id: options.pendingPostId } : {}),
        ...(options.priority ? { metadata: { priority: options.priority } } : {}),
      },
      options.deadline,
    );
    await this.followUps(channelId, options.rootId || post.id, more, moreFiles, options.deadline);
    return { post, ...(skipped ? { skipped } : {}) };
  }

  /**
   * A message of more than MAX_POSTS_PER_MESSAGE posts: its first part, saying so, and the
   * whole as a file to attach. Shorter ones are posted whole, their rest in the thread.
   */
  fit(message: string): { text: string; file?: UploadFile } {
    if (!this.isLong(message)) return { text: message };
    const content = new TextEncoder().encode(message);
    const note = `_(the message has ${formatBytes(content.length)}: above is its beginning, and all of it is attached as ${LONG_MESSAGE_FILE})_`;
    // Room for the note, and for the one that says the file was not attached, should it be refused.
    const budget = Math.max(this.maxRunes - note.length - 200, 1);
    // Only a prefix is split: splitting the whole of a 5 MB text to keep its first piece is waste.
    const [first = ""] = splitMessage(message.slice(0, 2 * budget), budget);
    const file = { path: LONG_MESSAGE_FILE, name: LONG_MESSAGE_FILE, size: content.length, content };
    return { text: `${first.trimEnd()}\n\n${note}`, file };
  }

  /** Whether `fit` sends the message as a file. */
  isLong(message: string): boolean {
    return isLongMessage(message, this.maxRunes);
  }

  /** The rest of a long message, and uploaded files beyond a post's ten, as replies in the thread. */
  async followUps(
    channelId: string,
    rootId: string,
    pieces: string[],
    fileIdGroups: string[][],
    deadline?: Deadline,
  ): Promise<void> {
    for (const message of pieces) {
      await rest.createPost(this.api, { channel_id: channelId, message, root_id: rootId }, deadline);
    }
    for (const ids of fileIdGroups) {
      await rest.createPost(this.api, { channel_id: channelId, message: "", root_id: rootId, file_ids: ids }, deadline);
    }
  }

  /** The uploaded files' ids; with `skip`, those the server would not take are left out and told. */
  async upload(
    channelId: string,
    files: UploadFile[],
    options: Pick<PostOptions, "oversized" | "maxFileSize" | "deadline"> = {},
  ): Promise<{ ids: string[]; skipped?: Skipped }> {
    // Most messages have none: the filters below would be the first on a send's way (README:
    // Development, issue 16's fourth pass).
    if (files.length === 0) return { ids: [] };
    const limit = options.maxFileSize;
    const tooLarge = limit === undefined ? [] : files.filter((file) => file.size > limit);
    const refused: UploadFile[] = [...tooLarge];
    const ids: string[] = [];
    if (tooLarge.length && options.oversized !== "skip") throw refusal(tooLarge, limit);
    const send = async (batch: UploadFile[]): Promise<void> => {
      try {
        const result = await rest.uploadFiles(this.api, channelId, batch, options.deadline);
        ids.push(...result.file_infos.map((info) => info.id));
      } catch (error) {
        if (!(error instanceof ServerError && error.status === 413)) throw error;
        // A batch may be refused for its total (a proxy's body limit): each file alone may pass.
        if (batch.length > 1) {
          for (const file of batch) await send([file]);
          return;
        }
        if (options.oversized !== "skip") throw refusal(batch, limit, error);
        refused.push(...batch);
      }
    };
    for (const batch of uploadBatches(files.filter((file) => !tooLarge.includes(file)))) await send(batch);
    return refused.length ? { ids, skipped: { files: refused, error: refusal(refused, limit) } } : { ids };
  }
}

/** Whether a message of posts of `maxRunes` is sent as a file: it would take more than MAX_POSTS_PER_MESSAGE posts. */
export function isLongMessage(message: string, maxRunes: number): boolean {
  return longerThan(message, MAX_POSTS_PER_MESSAGE * maxRunes);
}

/** Whether the text has more than `runes` code points, counted no further than needed. */
function longerThan(text: string, runes: number): boolean {
  if (text.length <= runes) return false;
  let count = 0;
  for (const _ of text) if (++count > runes) return true;
  return false;
}

function refusal(files: UploadFile[], limit: number | undefined, cause?: ServerError): ServerError {
  const names = files.map((file) => `${file.name} (${formatBytes(file.size)})`).join(", ");
  const takes =
    limit === undefined ? "it is larger than the server accepts" : `the server takes files up to ${formatBytes(limit)}`;
  const details = { status: 413, request: cause?.request ?? { method: "POST", path: "/files" } };
  return new ServerError(`${names} ${files.length === 1 ? "was" : "were"} not attached: ${takes}`, {
    ...details,
    hint: "attach a smaller file, compress it, or ask the administrator about the upload limit (MaxFileSize)",
  });
}

/** Said in the post too: its readers should know a file is missing, not only the sender. */
function notAttachedNote(skipped: Skipped): string {
  return `_(not attached: ${skipped.error.message.replace(/ (was|were) not attached: /, "; ")})_`;
}
