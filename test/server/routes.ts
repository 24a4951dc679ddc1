// The API routes this server knows; everything else under /api/v4 is api.context.404.app_error.
import { createDirectChannel, getChannelByTeamId, getChannelByTeamName, getChannelMember } from "./channels.ts";
import type { Handler } from "./context.ts";
import { createPost, getChannelPosts, getPost, patchPost } from "./posts.ts";
import { deleteReaction, getReactions, saveReaction } from "./reactions.ts";
import { getClientConfig, ping } from "./system.ts";
import { uploadFiles } from "./upload.ts";
import { getMe, getMyTeams, getTeamByName, getUser, getUserByUsername } from "./users.ts";

export interface Route {
  method: string;
  pattern: RegExp;
  /** APISessionRequired: no valid session is a 401. */
  session: boolean;
  handler: Handler;
}

function route(method: string, template: string, session: boolean, handler: Handler): Route {
  const source = template.replace(/:(\w+)/g, "(?<$1>[A-Za-z0-9_.%-]+)");
  return { method, pattern: new RegExp(`^/api/v4${source}$`), session, handler };
}

const ROUTES: readonly Route[] = [
  route("GET", "/system/ping", false, ping),
  route("GET", "/config/client", false, getClientConfig),
  route("GET", "/users/me", true, getMe),
  route("GET", "/users/me/teams", true, getMyTeams),
  route("GET", "/users/username/:username", true, getUserByUsername),
  route("GET", "/users/:user_id", true, getUser),
  route("GET", "/teams/name/:team_name", true, getTeamByName),
  route("GET", "/teams/name/:team_name/channels/name/:channel_name", true, getChannelByTeamName),
  route("GET", "/teams/:team_id/channels/name/:channel_name", true, getChannelByTeamId),
  route("GET", "/channels/:channel_id/members/:user_id", true, getChannelMember),
  route("POST", "/channels/direct", true, createDirectChannel),
  route("POST", "/files", true, uploadFiles),
  route("POST", "/posts", true, createPost),
  route("PUT", "/posts/:post_id/patch", true, patchPost),
  route("GET", "/posts/:post_id", true, getPost),
  route("GET", "/channels/:channel_id/posts", true, getChannelPosts),
  route("POST", "/reactions", true, saveReaction),
  route("GET", "/posts/:post_id/reactions", true, getReactions),
  route("DELETE", "/users/:user_id/posts/:post_id/reactions/:emoji_name", true, deleteReaction),
];

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The route for a request (a known path with another method is a 404 too, as on the real server). */
export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decode(v);
    return { route: r, params };
  }
  return undefined;
}
