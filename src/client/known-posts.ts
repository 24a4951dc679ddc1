import type { Post } from "@mattermost/types/posts";
import { AfterSendError, ServerError, UsageError } from "../base/errors.ts";
import type { MessageHook } from "../hooks/hook-file.ts";
import type { HookStore } from "../hooks/hooks.ts";
import type { Api, Deadline } from "../mattermost/api.ts";
import * as rest from "../mattermost/endpoints.ts";
import type { PostRef } from "./courier.ts";

/** Messages known by an id: their hooks, the lock that makes one caller at a time per id, and the server's refusals told as what they mean for the message. */
export class KnownPosts {
  constructor(
    private readonly hooks: HookStore,
    private readonly api: Api,
  ) {}

  async locked<T>(id: string | undefined, work: () => Promise<T>): Promise<T> {
    if (id === undefined || !this.hooks.lock) return work();
    const release = await this.hooks.lock(id);
    try {
      return await work();
    } finally {
      await release();
    }
  }

  async hook(id: string): Promise<MessageHook> {
    const hook = await this.hooks.get(id);
    if (!hook) {
      throw new UsageError(`no message with id ${JSON.stringify(id)} is known`, {
        hint: "send one with this id first, or import its hook file",
      });
    }
    return hook;
  }

  async remember(id: string, post: Post): Promise<void> {
    await this.hooks.set({
      id,
      channelId: post.channel_id,
      postId: post.id,
      server: this.api.serverUrl,
      ...(post.root_id ? { rootId: post.root_id } : {}),
      createdAt: new Date(post.create_at || Date.now()).toISOString(),
    });
  }

  /** Remembered after the send: a hook that cannot be written is a failure after it, which names the post. */
  async rememberSent(id: string, post: Post): Promise<void> {
    try {
      await this.remember(id, post);
    } catch (error) {
      throw new AfterSendError(post, error);
    }
  }

  async exists(postId: string, deadline?: Deadline): Promise<boolean> {
    try {
      await rest.getPost(this.api, postId, deadline);
      return true;
    } catch (error) {
      if (error instanceof ServerError && (error.status === 403 || error.status === 404)) return false;
      throw error;
    }
  }

  /** A request about a known message; the server's refusal told as what it means for that message. */
  async about<T>(hook: MessageHook, request: Promise<T>, doing: "edited" | "answered" = "edited"): Promise<T> {
    try {
      return await request;
    } catch (error) {
      // An edit of a missing post is 403/404; a reply to one, 400 with this id.
      const gone =
        error instanceof ServerError &&
        (error.status === 403 || error.status === 404 || error.serverId === "api.post.create_post.root_id.app_error");
      if (gone) {
        const elsewhere = hook.server && hook.server !== this.api.serverUrl;
        throw error.rephrase(
          `message ${JSON.stringify(hook.id)} (post ${hook.postId}) cannot be ${doing}: ${error.message}`,
          elsewhere
            ? `it was sent through ${hook.server}, and this client talks to ${this.api.serverUrl}`
            : "it was deleted, lives on another server, or the bot lost access to its channel",
        );
      }
      throw error;
    }
  }
}

/** The post a hook names, as the courier takes it. */
export const refOf = (hook: MessageHook): PostRef => ({
  id: hook.postId,
  channelId: hook.channelId,
  rootId: hook.rootId,
});
/** The thread a reply to a hook's post goes in. */
export const threadOf = (hook: MessageHook) => ({ channelId: hook.channelId, rootId: hook.rootId || hook.postId });
