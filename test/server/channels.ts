// Channels: by name (with the team's name or id) and POST channels/direct.
import type { ServerChannel } from "@mattermost/types/channels";
import { AppError, invalidParam, invalidUrlParam, permissionError } from "./app-error.ts";
import { MAX_JSON_BODY, readBody } from "./body.ts";
import { type Ctx, param, type Reply, sessionUser } from "./context.ts";
import { isValidId } from "./ids.ts";
import { isValidTeamName } from "./users.ts";

/** model.IsValidChannelIdentifier */
function isValidChannelName(name: string): boolean {
  return /^[a-z0-9]+([a-z\-_0-9]+|(__)?)[a-z0-9]+$/.test(name);
}

const channelMissing = (): AppError => new AppError("app.channel.get_by_name.missing.app_error", 404);

/** The read check of getChannelByName*: 403 for a public channel, 404 (hide it) for a private one. */
function visibleChannel(ctx: Ctx, channel: ServerChannel | undefined): Reply {
  if (!channel) throw channelMissing();
  if (!ctx.store.canRead(channel, sessionUser(ctx).id)) {
    throw channel.type === "O" ? permissionError() : channelMissing();
  }
  return { status: 200, body: channel };
}

export function getChannelByTeamName(ctx: Ctx): Reply {
  const teamName = param(ctx, "team_name");
  const channelName = param(ctx, "channel_name");
  if (!isValidTeamName(teamName)) throw invalidUrlParam("team_name");
  if (!isValidChannelName(channelName)) throw invalidUrlParam("channel_name");
  const team = ctx.store.teamByName(teamName);
  if (!team) throw new AppError("app.team.get_by_name.missing.app_error", 404);
  return visibleChannel(ctx, ctx.store.channelByName(team.id, channelName));
}

export function getChannelByTeamId(ctx: Ctx): Reply {
  const teamId = param(ctx, "team_id");
  const channelName = param(ctx, "channel_name");
  if (!isValidId(teamId)) throw invalidUrlParam("team_id");
  if (!isValidChannelName(channelName)) throw invalidUrlParam("channel_name");
  return visibleChannel(ctx, ctx.store.channelByName(teamId, channelName));
}

/** GET channels/{channel_id}/members/{user_id|me}: read permission first, then membership. */
export function getChannelMember(ctx: Ctx): Reply {
  const channelId = param(ctx, "channel_id");
  const rawUser = param(ctx, "user_id");
  if (!isValidId(channelId)) throw invalidUrlParam("channel_id");
  const userId = rawUser === "me" ? sessionUser(ctx).id : rawUser;
  if (!isValidId(userId)) throw invalidUrlParam("user_id");
  const channel = ctx.store.channels.get(channelId);
  if (!channel || !ctx.store.canRead(channel, sessionUser(ctx).id)) throw permissionError();
  if (!ctx.store.isMember(channelId, userId)) throw new AppError("app.channel.get_member.missing.app_error", 404);
  return { status: 200, body: { channel_id: channelId, user_id: userId, roles: "channel_user" } };
}

/** model.ArrayFromJSON: anything but an array of strings decodes to an empty list. */
function stringArray(raw: Buffer): string[] {
  try {
    const value: unknown = JSON.parse(raw.toString("utf8"));
    if (Array.isArray(value) && value.every((v): v is string => typeof v === "string")) return value;
  } catch {
    // fall through
  }
  return [];
}

export async function createDirectChannel(ctx: Ctx): Promise<Reply> {
  const me = sessionUser(ctx);
  const raw = await readBody(ctx.body, MAX_JSON_BODY);
  const ids = stringArray(raw);
  try {
    ctx.record.body = JSON.parse(raw.toString("utf8"));
  } catch {
    // not JSON: nothing to record
  }
  const [a, b] = ids;
  if (ids.length !== 2 || a === undefined || b === undefined) throw invalidParam("user_ids");
  if (!isValidId(a) || !isValidId(b)) throw invalidParam("user_id");
  if (a !== me.id && b !== me.id) throw permissionError(); // needs manage_system
  if (!ctx.store.users.has(a) || !ctx.store.users.has(b)) {
    throw new AppError("api.channel.create_direct_channel.invalid_user.app_error", 400);
  }
  return { status: 201, body: ctx.store.directChannel(a, b) };
}
