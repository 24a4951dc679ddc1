// POST /hooks/{id}: incoming webhooks as server/channels/web/webhook.go and app/webhook.go
// (HandleIncomingWebhook, CreateWebhookPost) answer them: "ok" as text/plain, or an AppError.
import type { ServerChannel } from "@mattermost/types/channels";
import type { Post, PostMetadata } from "@mattermost/types/posts";
import { AppError } from "./app-error.ts";
import { isObject } from "./body.ts";
import type { ServerConfig } from "./context.ts";
import { newId } from "./ids.ts";
import { checkMessageLength, parseHashtags } from "./post-model.ts";
import { checkPriority, type Priority, priorityOf } from "./priority.ts";
import type { Store } from "./store.ts";

/** model.IncomingWebhook, the fields the handler reads. */
export interface IncomingWebhook {
  id: string;
  channelId: string;
  teamId: string;
  userId: string;
  /** ChannelLocked: the payload's `channel` may name no other channel. */
  locked: boolean;
  displayName: string;
}

/** What the hook's request carried, as the handler decoded it. */
interface Payload {
  text: string;
  channel: string;
  username: string;
  iconUrl: string;
  props: Record<string, unknown>;
  priority: Priority | undefined;
}

function decode(raw: Buffer, contentType: string): Payload {
  let value: unknown;
  const text = raw.toString("utf8");
  try {
    // application/x-www-form-urlencoded carries the JSON in its `payload` field.
    value = JSON.parse(
      contentType.startsWith("application/x-www-form-urlencoded")
        ? (new URLSearchParams(text).get("payload") ?? "")
        : text,
    );
  } catch {
    throw new AppError("api.webhook.incoming.error", 400);
  }
  if (!isObject(value)) throw new AppError("web.incoming_webhook.parse.app_error", 400);
  const str = (key: string) => (typeof value[key] === "string" ? (value[key] as string) : "");
  return {
    text: str("text"),
    channel: str("channel"),
    username: str("username"),
    iconUrl: str("icon_url"),
    props: isObject(value.props) ? { ...value.props } : {},
    priority: priorityOf(value.priority),
  };
}

/** The channel a payload names (`@user`: the direct channel of the hook's owner and that user), or the hook's own. */
function channelOf(store: Store, hook: IncomingWebhook, name: string): ServerChannel {
  if (!name) {
    const own = store.channels.get(hook.channelId);
    if (!own) throw new AppError("app.channel.get.existing.app_error", 404);
    return own;
  }
  if (name.startsWith("@")) {
    const user = store.userByName(name.slice(1));
    if (!user) throw new AppError("web.incoming_webhook.user.app_error", 400, { user: name.slice(1) });
    return store.directChannel(hook.userId, user.id);
  }
  const channel = store.channelByName(hook.teamId, name.replace(/^#/, ""));
  if (!channel) throw new AppError("web.incoming_webhook.channel.app_error", 404);
  return channel;
}

export async function handleIncomingWebhook(
  store: Store,
  config: ServerConfig,
  id: string,
  body: { raw: Buffer; contentType: string },
): Promise<Post> {
  if (!config.incomingWebhooks) throw new AppError("web.incoming_webhook.disabled.app_error", 501);
  const payload = decode(body.raw, body.contentType);
  if (!payload.text) throw new AppError("web.incoming_webhook.text.app_error", 400);
  const hook = store.webhooks.get(id);
  if (!hook) throw new AppError("web.incoming_webhook.invalid.app_error", 400);
  const channel = channelOf(store, hook, payload.channel);
  if (hook.locked && hook.channelId !== channel.id)
    throw new AppError("web.incoming_webhook.channel_locked.app_error", 403);
  if (channel.type !== "O" && !store.isMember(channel.id, hook.userId))
    throw new AppError("web.incoming_webhook.permissions.app_error", 403);
  // The real server splits a longer text into several posts; mmn keeps within one, which is what is checked.
  checkMessageLength(payload.text);
  checkPriority(config, payload.priority, "");
  const props: Record<string, unknown> = { ...payload.props, webhook_display_name: hook.displayName };
  props.from_webhook = "true";
  if (payload.username) props.override_username = payload.username;
  if (payload.iconUrl) props.override_icon_url = payload.iconUrl;
  const now = Date.now();
  const post: Post = {
    id: newId(),
    create_at: now,
    update_at: now,
    edit_at: 0,
    delete_at: 0,
    is_pinned: false,
    user_id: hook.userId,
    channel_id: channel.id,
    root_id: "",
    original_id: "",
    message: payload.text,
    type: "",
    props,
    hashtags: parseHashtags(payload.text),
    pending_post_id: "",
    reply_count: 0,
    last_reply_at: 0,
    participants: null,
    metadata: (payload.priority ? { priority: payload.priority } : {}) as PostMetadata,
  };
  store.posts.set(post.id, post);
  channel.last_post_at = now;
  channel.last_root_post_at = now;
  channel.total_msg_count += 1;
  channel.total_msg_count_root += 1;
  return post;
}

/** A hook made by `owner` for a channel of the team, as the System Console makes one. */
export function makeWebhook(
  store: Store,
  channel: ServerChannel,
  owner: string,
  options: { locked?: boolean } = {},
): IncomingWebhook {
  const hook = {
    id: newId(),
    channelId: channel.id,
    teamId: channel.team_id,
    userId: owner,
    locked: options.locked ?? false,
    displayName: "mmn",
  };
  store.webhooks.set(hook.id, hook);
  return hook;
}
