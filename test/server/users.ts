// Users and teams: users/me, users/me/teams, users/username/{username}, users/{user_id}, teams/name/{team_name}.
import { AppError, invalidUrlParam } from "./app-error.ts";
import { type Ctx, param, type Reply, sessionUser } from "./context.ts";
import { isValidId } from "./ids.ts";

/** model.IsValidTeamName: IsValidAlphaNum and at least 2 characters. */
export function isValidTeamName(name: string): boolean {
  return /^[a-z0-9]+([a-z\-0-9]+|(__)?)[a-z0-9]+$/.test(name);
}

export function getMe(ctx: Ctx): Reply {
  return { status: 200, body: sessionUser(ctx) };
}

export function getMyTeams(ctx: Ctx): Reply {
  return { status: 200, body: ctx.store.teamsOf(sessionUser(ctx).id) };
}

export function getUserByUsername(ctx: Ctx): Reply {
  const username = param(ctx, "username");
  if (!/^[a-z0-9._-]{1,64}$/.test(username)) throw invalidUrlParam("username");
  const user = ctx.store.userByName(username);
  if (!user) throw new AppError("app.user.get_by_username.app_error", 404);
  return { status: 200, body: user };
}

export function getUser(ctx: Ctx): Reply {
  const id = param(ctx, "user_id");
  if (!isValidId(id)) throw invalidUrlParam("user_id");
  const user = ctx.store.users.get(id);
  if (!user) throw new AppError("app.user.missing_account.const", 404);
  return { status: 200, body: user };
}

export function getTeamByName(ctx: Ctx): Reply {
  const name = param(ctx, "team_name");
  if (!isValidTeamName(name)) throw invalidUrlParam("team_name");
  const team = ctx.store.teamByName(name);
  if (!team) throw new AppError("app.team.get_by_name.missing.app_error", 404);
  return { status: 200, body: team };
}
