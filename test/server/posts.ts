// POST posts, PUT posts/{post_id}/patch, GET posts/{post_id}.
import type { Post, PostMetadata } from "@mattermost/types/posts";
import { AppError, invalidParam, invalidUrlParam, permissionError } from "./app-error.ts";
import { isObject, readJson } from "./body.ts";
import { type Ctx, param, type Reply, sessionUser } from "./context.ts";
import { isValidId, newId } from "./ids.ts";
import {
  attachFiles,
  checkMessageLength,
  checkPostIsValid,
  clientMetadata,
  parseHashtags,
  setFileIds,
  uniqueIds,
} from "./post-model.ts";
import { checkPriority, priorityOf } from "./priority.ts";

type Body = Record<string, unknown>;

// A field of the wrong JSON type makes Go's decoder fail: 400 "Invalid or missing post in request body".
function optString(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidParam("post");
  return v;
}

function optProps(body: Body): Record<string, unknown> | undefined {
  const v = body.props;
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalidParam("post");
  return { ...v };
}

function optIds(body: Body): string[] | undefined {
  const v = body.file_ids;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === "string")) throw invalidParam("post");
  return uniqueIds(v);
}

async function readPostBody(ctx: Ctx): Promise<Body> {
  const body = await readJson(ctx, "post");
  if (!isObject(body)) throw invalidParam("post");
  return body;
}

function versionAtLeast(version: string, wanted: [number, number]): boolean {
  const [major = 0, minor = 0] = version.split(".").map((n) => Number.parseInt(n, 10) || 0);
  return major > wanted[0] || (major === wanted[0] && minor >= wanted[1]);
}

function withMetadata(ctx: Ctx, post: Post): Reply["body"] {
  post.metadata = clientMetadata(ctx.store, post);
  return post;
}

export async function createPost(ctx: Ctx): Promise<Reply> {
  const me = sessionUser(ctx);
  const body = await readPostBody(ctx);
  const channel = ctx.store.channels.get(optString(body, "channel_id") ?? "");
  if (!channel || !ctx.store.isMember(channel.id, me.id)) throw permissionError();

  const pendingPostId = optString(body, "pending_post_id") ?? "";
  const seen = pendingPostId ? ctx.store.pendingPost(me.id, pendingPostId) : undefined;
  if (seen) return { status: 201, body: withMetadata(ctx, seen) };

  const rootId = optString(body, "root_id") ?? "";
  const root = rootId ? ctx.store.posts.get(rootId) : undefined;
  if (rootId && !root) throw new AppError("api.post.create_post.root_id.app_error", 400);
  if (root && root.channel_id !== channel.id) throw new AppError("api.post.create_post.channel_root_id.app_error", 500);
  if (root && root.root_id !== "") throw new AppError("api.post.create_post.root_id.app_error", 400);

  const priority = isObject(body.metadata) ? priorityOf(body.metadata.priority) : undefined;
  checkPriority(ctx.config, priority, rootId);
  const message = optString(body, "message") ?? "";
  const props = optProps(body) ?? {};
  if (me.is_bot) props.from_bot = "true";
  const now = Date.now();
  const post: Post = {
    id: newId(),
    create_at: now,
    update_at: now,
    edit_at: 0,
    delete_at: 0,
    is_pinned: false,
    user_id: me.id,
    channel_id: channel.id,
    root_id: rootId,
    original_id: "",
    message,
    type: "",
    props,
    hashtags: parseHashtags(message),
    pending_post_id: pendingPostId,
    reply_count: 0,
    last_reply_at: 0,
    participants: null,
    metadata: (priority ? { priority } : {}) as PostMetadata,
  };
  setFileIds(post, optIds(body) ?? []);
  checkPostIsValid(post);

  ctx.store.posts.set(post.id, post);
  setFileIds(post, attachFiles(ctx.store, post, post.file_ids ?? []));
  if (root) {
    root.reply_count += 1;
    root.last_reply_at = now;
    post.reply_count = root.reply_count;
  } else {
    channel.last_root_post_at = now;
    channel.total_msg_count_root += 1;
  }
  channel.last_post_at = now;
  channel.total_msg_count += 1;
  if (pendingPostId) ctx.store.rememberPending(me.id, pendingPostId, post.id);
  return { status: 201, body: withMetadata(ctx, post) };
}

function attachmentsOf(post: Post): string {
  return JSON.stringify(post.props.attachments ?? null);
}

export async function patchPost(ctx: Ctx): Promise<Reply> {
  const me = sessionUser(ctx);
  const id = param(ctx, "post_id");
  if (!isValidId(id)) throw invalidUrlParam("post_id");
  const body = await readPostBody(ctx);
  const message = optString(body, "message");
  const props = optProps(body);
  // file_ids on a patch are honoured from 10.5 on; older servers ignore them.
  const fileIds = versionAtLeast(ctx.config.version, [10, 5]) ? optIds(body) : undefined;
  if (message !== undefined) checkMessageLength(message);

  const old = ctx.store.posts.get(id);
  // Unknown post, someone else's post, or a channel the caller left: all 403, as on the real server.
  if (!old || old.user_id !== me.id || !ctx.store.isMember(old.channel_id, me.id)) throw permissionError();

  const now = Date.now();
  // App.UpdatePost: past ServiceSettings.PostEditTimeLimit a post keeps its message (props may change).
  const limit = ctx.config.postEditTimeLimit;
  if (limit !== -1 && now > old.create_at + limit * 1000 && message !== undefined && message !== old.message)
    throw new AppError("api.post.update_post.permissions_time_limit.app_error", 400, { timeLimit: limit });
  const next = structuredClone(old);
  if (message !== undefined && message !== old.message) {
    next.message = message;
    next.hashtags = parseHashtags(message);
    next.edit_at = now;
  }
  if (props !== undefined) next.props = props;
  if (fileIds !== undefined) setFileIds(next, fileIds);
  checkPostIsValid(next);

  if (fileIds !== undefined) {
    for (const gone of old.file_ids ?? []) {
      const file = ctx.store.files.get(gone);
      if (file && !fileIds.includes(gone)) file.info.delete_at = now;
    }
    setFileIds(next, attachFiles(ctx.store, next, fileIds));
  }
  const filesChanged = JSON.stringify(old.file_ids ?? []) !== JSON.stringify(next.file_ids ?? []);
  if (next.edit_at === old.edit_at && (filesChanged || attachmentsOf(old) !== attachmentsOf(next))) next.edit_at = now;
  next.update_at = now;
  ctx.store.posts.set(id, next);
  return { status: 200, body: withMetadata(ctx, next) };
}

/** GET /channels/{id}/posts?since=MS: the channel's posts created or changed since then. */
export function getChannelPosts(ctx: Ctx): Reply {
  const me = sessionUser(ctx);
  const channelId = param(ctx, "channel_id");
  if (!isValidId(channelId)) throw invalidUrlParam("channel_id");
  const channel = ctx.store.channels.get(channelId);
  if (!channel || !ctx.store.canRead(channel, me.id)) throw permissionError();
  const since = Number(ctx.query.get("since") ?? 0);
  const posts = ctx.store.postsIn(channelId).filter((p) => p.update_at >= since);
  return {
    status: 200,
    body: {
      order: posts.map((p) => p.id).reverse(),
      posts: Object.fromEntries(posts.map((p) => [p.id, withMetadata(ctx, p)])),
    },
  };
}

export function getPost(ctx: Ctx): Reply {
  const me = sessionUser(ctx);
  const id = param(ctx, "post_id");
  if (!isValidId(id)) throw invalidUrlParam("post_id");
  const post = ctx.store.posts.get(id);
  if (!post) throw new AppError("app.post.get.app_error", 404);
  const channel = ctx.store.channels.get(post.channel_id);
  if (!channel || !ctx.store.canRead(channel, me.id)) throw permissionError();
  return { status: 200, body: withMetadata(ctx, post) };
}
