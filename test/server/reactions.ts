// POST reactions, GET posts/{post_id}/reactions, DELETE users/{user_id}/posts/{post_id}/reactions/{emoji_name}.
import type { Reaction } from "@mattermost/types/reactions";
import { invalidParam, invalidUrlParam, permissionError } from "./app-error.ts";
import { isObject, readJson } from "./body.ts";
import { type Ctx, param, type Reply, sessionUser } from "./context.ts";
import { isValidId } from "./ids.ts";

/** model.Reaction.IsValid: an emoji's name is 1–64 of these. */
const EMOJI_NAME = /^[a-zA-Z0-9_+-]{1,64}$/;

/** The post, when the session's user may read its channel (SessionHasPermissionToChannelByPost): else 403, as a post that is not there. */
function readablePost(ctx: Ctx, postId: string) {
  const me = sessionUser(ctx);
  const post = ctx.store.posts.get(postId);
  const channel = post && ctx.store.channels.get(post.channel_id);
  if (!post || !channel || !ctx.store.canRead(channel, me.id)) throw permissionError();
  return post;
}

/** 200 with the reaction; one already there is saved again (an upsert), as the real store does. */
export async function saveReaction(ctx: Ctx): Promise<Reply> {
  const me = sessionUser(ctx);
  const body = await readJson(ctx, "reaction");
  if (!isObject(body)) throw invalidParam("reaction");
  const { user_id: userId, post_id: postId, emoji_name: emoji } = body;
  if (typeof userId !== "string" || typeof postId !== "string" || typeof emoji !== "string")
    throw invalidParam("reaction");
  if (!isValidId(userId) || !isValidId(postId) || !EMOJI_NAME.test(emoji)) throw invalidParam("reaction");
  if (userId !== me.id) throw permissionError();
  readablePost(ctx, postId);
  const reaction: Reaction = { user_id: userId, post_id: postId, emoji_name: emoji, create_at: Date.now() };
  const list = (ctx.store.reactions.get(postId) ?? []).filter((r) => !(r.user_id === userId && r.emoji_name === emoji));
  ctx.store.reactions.set(postId, [...list, reaction]);
  return { status: 200, body: reaction };
}

export function getReactions(ctx: Ctx): Reply {
  const postId = param(ctx, "post_id");
  if (!isValidId(postId)) throw invalidUrlParam("post_id");
  readablePost(ctx, postId);
  return { status: 200, body: ctx.store.reactions.get(postId) ?? [] };
}

export function deleteReaction(ctx: Ctx): Reply {
  const me = sessionUser(ctx);
  const userId = param(ctx, "user_id");
  const postId = param(ctx, "post_id");
  if (!isValidId(userId)) throw invalidUrlParam("user_id");
  if (!isValidId(postId)) throw invalidUrlParam("post_id");
  if (!EMOJI_NAME.test(param(ctx, "emoji_name"))) throw invalidUrlParam("emoji_name");
  if (userId !== me.id) throw permissionError();
  readablePost(ctx, postId);
  const list = ctx.store.reactions.get(postId) ?? [];
  ctx.store.reactions.set(
    postId,
    list.filter((r) => !(r.user_id === userId && r.emoji_name === param(ctx, "emoji_name"))),
  );
  return { status: 200, body: { status: "OK" } };
}
