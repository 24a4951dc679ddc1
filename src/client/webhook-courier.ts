import type { Post } from "@mattermost/types/posts";
import { ServerError, UsageError } from "../base/errors.ts";
import type { Api } from "../mattermost/api.ts";
import type { PostPatch } from "../mattermost/endpoints.ts";
import { postToWebhook } from "../mattermost/webhook.ts";
import type { Address, Call, Courier, EditParcel, PostParcel, PostRef, SendCall, Sent } from "./courier.ts";
import { prepareFiles } from "./files.ts";
import type { Recipient } from "./recipient.ts";
import { MAX_POSTS_PER_MESSAGE, splitMessage } from "./split.ts";

/** What an incoming webhook cannot do: said before anything is sent. */
export function webhookCannot(what: string): UsageError {
  return new UsageError(`an incoming webhook cannot ${what}`, {
    hint: "a webhook only posts new messages; a bot's token (url= and token=) edits, uploads and replies",
  });
}

/**
 * Delivers through an incoming webhook (`url=…/hooks/KEY` without a token): new posts only, in
 * the hook's channel, another channel of its team, or to `@user` as a direct message from the
 * hook's owner. The server answers "ok" without the post, so there is nothing to edit, reply
 * to or remember; files cannot go at all.
 */
export class WebhookCourier implements Courier {
  constructor(
    private readonly api: Api,
    private readonly maxRunes: number,
  ) {}

  /** A message as the client is asked for one: what a webhook cannot do refused before anything is sent. */
  async message(message: string, to: Recipient | undefined, options: SendCall): Promise<Post> {
    if (options.id !== undefined) throw webhookCannot("remember a message under an id (it answers no post to edit)");
    if (options.rootId) throw webhookCannot("reply in a thread");
    const { props, priority, deadline } = options;
    const files = await prepareFiles(options.files);
    return (await this.send(message, to, { files, props, priority, deadline })).post;
  }

  post(message: string, address: Address, parcel: PostParcel): Promise<Sent> {
    if (!("to" in address) || address.rootId) throw webhookCannot("reply in a thread");
    return this.send(message, address.to, parcel);
  }

  /** A message to the recipient, or to the hook's own channel when there is none. */
  async send(message: string, to: Recipient | undefined, parcel: PostParcel): Promise<Sent> {
    if (parcel.files?.length || parcel.fileIds?.length) throw webhookCannot("upload files");
    if (!message.trim()) throw new UsageError("nothing to send: a webhook's message needs text");
    const channel = to && channelOf(to);
    const pieces = splitMessage(message, this.maxRunes);
    const cut = pieces.length > MAX_POSTS_PER_MESSAGE;
    const sent = pieces.slice(0, MAX_POSTS_PER_MESSAGE);
    if (cut)
      sent.push(`_(${pieces.length - MAX_POSTS_PER_MESSAGE} more parts left out: a webhook cannot attach them)_`);
    for (const [index, text] of sent.entries())
      await postToWebhook(
        this.api,
        {
          text,
          ...(channel ? { channel } : {}),
          ...(parcel.props && index === 0 ? { props: parcel.props } : {}),
          ...(parcel.priority && index === 0 ? { priority: parcel.priority } : {}),
        },
        parcel.deadline,
      );
    return { post: webhookPost(message) };
  }

  /**
   * Whether the server takes incoming webhooks, and nothing is posted: an empty text is refused
   * (400) after the switch is checked (501) and before the hook is looked up, so whether the
   * hook exists is learnt only by a post.
   */
  async probe(): Promise<void> {
    try {
      await postToWebhook(this.api, { text: "" });
    } catch (error) {
      if (error instanceof ServerError && error.serverId === "web.incoming_webhook.text.app_error") return;
      throw error;
    }
  }

  edit(_post: PostRef, _message: string, _parcel: EditParcel): Promise<Sent> {
    return Promise.reject(webhookCannot("edit a message"));
  }

  patch(_postId: string, _patch: PostPatch, _call?: Call): Promise<Post> {
    return Promise.reject(webhookCannot("edit a message"));
  }

  upload(): Promise<{ ids: string[] }> {
    return Promise.reject(webhookCannot("upload files"));
  }
}

/** `@alice` for a user; a channel by its name in the hook's team (a `team/` before it is the hook's team anyway). */
function channelOf(to: Recipient): string {
  if ("user" in to) return `@${to.user.trim().replace(/^@/, "").toLowerCase()}`;
  const name = to.channel.trim().replace(/^~/, "").toLowerCase();
  return name.slice(name.indexOf("/") + 1).replace(/^~/, "");
}

/** What a webhook's "ok" stands for: a post without an id, which nothing can refer to. */
function webhookPost(message: string): Post {
  return {
    id: "",
    create_at: Date.now(),
    update_at: 0,
    edit_at: 0,
    delete_at: 0,
    is_pinned: false,
    user_id: "",
    channel_id: "",
    root_id: "",
    original_id: "",
    message,
    type: "",
    props: {},
    hashtags: "",
    pending_post_id: "",
    reply_count: 0,
    metadata: {} as Post["metadata"],
  };
}
