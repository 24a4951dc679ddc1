import type { Post } from "@mattermost/types/posts";
import { ServerError } from "./errors.ts";
import { chunk, formatBytes, MAX_FILES_PER_POST, uploadBatches } from "./files.ts";
import * as rest from "./mattermost/endpoints.ts";
import type { Api } from "./mattermost/http.ts";
import type { UploadFile } from "./mattermost/multipart.ts";
import { splitMessage } from "./split.ts";

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
    options: { rootId?: string; props?: Record<string, unknown>; pendingPostId?: string },
  ): Promise<Post> {
    const [first = "", ...more] = this.split(message);
    const [firstFiles = [], ...moreFiles] = chunk(await this.upload(channelId, files), MAX_FILES_PER_POST);
    const post = await rest.createPost(this.api, {
      channel_id: channelId,
      message: first,
      ...(options.rootId ? { root_id: options.rootId } : {}),
      ...(firstFiles.length ? { file_ids: firstFiles } : {}),
      ...(options.props ? { props: options.props } : {}),
      ...(options.pendingPostId ? { pending_post_id: options.pendingPostId } : {}),
    });
    await this.followUps(channelId, options.rootId || post.id, more, moreFiles);
    return post;
  }

  /** The rest of a long message, and uploaded files beyond a post's ten, as replies in the thread. */
  async followUps(channelId: string, rootId: string, pieces: string[], fileIdGroups: string[][]): Promise<void> {
    for (const message of pieces) await rest.createPost(this.api, { channel_id: channelId, message, root_id: rootId });
    for (const ids of fileIdGroups) {
      await rest.createPost(this.api, { channel_id: channelId, message: "", root_id: rootId, file_ids: ids });
    }
  }

  async upload(channelId: string, files: UploadFile[]): Promise<string[]> {
    const ids: string[] = [];
    for (const batch of uploadBatches(files)) {
      try {
        const result = await rest.uploadFiles(this.api, channelId, batch);
        ids.push(...result.file_infos.map((info) => info.id));
      } catch (error) {
        if (!(error instanceof ServerError && error.status === 413)) throw error;
        if (batch.length > 1) {
          for (const file of batch) ids.push(...(await this.upload(channelId, [file])));
          continue;
        }
        const file = batch[0]!;
        throw error.rephrase(
          `the server refused ${file.name} (${formatBytes(file.size)}): it is larger than the server accepts`,
          "attach a smaller file, compress it, or ask the administrator about the upload limit (MaxFileSize)",
        );
      }
    }
    return ids;
  }
}
