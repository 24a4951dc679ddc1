/**
 * The relay's only door to Mattermost, through the client: the status post looked at, the reply
 * that notifies, the edit. Kept in this one file so that a change of the client's calls is made here.
 */
import type { Post } from "@mattermost/types/posts";
import type { Client } from "../client/client.ts";
import type { RunRecord } from "./registry.ts";

export class RunPost {
  constructor(
    private readonly notify: Client,
    private readonly record: RunRecord,
  ) {}

  /** The status post as it is now. */
  current(): Promise<Post> {
    return this.notify.post({ id: this.record.post.postId });
  }

  /** A reply in the status post's thread (its own, or --thread's where it is a reply itself). */
  async reply(message: string): Promise<void> {
    const { postId, channelId, rootId } = this.record.post;
    // Held in the client's own memory: the user's hook store is not the relay's to change.
    const key = `relay:${postId}`;
    await this.notify.hooks.set({ id: key, channelId, postId, ...(rootId ? { rootId } : {}) });
    await this.notify.reply(message, { to: key });
  }

  async edit(message: string, props: Record<string, unknown> | undefined): Promise<void> {
    await this.notify.edit({ id: this.record.post.postId }, { message, ...(props ? { props } : {}) });
  }
}
