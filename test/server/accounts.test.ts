// The test server's own behaviour, through plain fetch. Authentication and the common headers, users, teams, channels and config/client.
import { describe, expect, test } from "bun:test";
import type { Channel } from "@mattermost/types/channels";
import { type Answer, appError, useTestServer } from "./fetching.ts";

const { server: s, call } = useTestServer();

describe("authentication and common headers", () => {
  test("no token and a bad token are 401 session_expired", async () => {
    for (const token of [null, "not-a-token"]) {
      const r = await call("GET", "/users/me", { token });
      expect(r.status).toBe(401);
      expect(r.headers.get("content-type")).toBe("application/json");
      expect(r.body).toEqual(
        appError("api.context.session_expired.app_error", "Invalid or expired session, please login again.", 401),
      );
      expect((r.body as { request_id: string }).request_id).toBe(r.headers.get("x-request-id") ?? "");
    }
  });

  test("the Token scheme works too, and every answer has X-Request-Id and X-Version-Id", async () => {
    const res = await fetch(`${s.url}/api/v4/users/me`, { headers: { authorization: `token ${s.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^[a-z0-9]{26}$/);
    expect(res.headers.get("x-version-id")).toMatch(/^10\.5\.0\.test\.[0-9a-f]{32}\.false$/);
    expect(((await res.json()) as { id: string }).id).toBe(s.bot.id);
  });

  test("system/ping needs no token", async () => {
    const r = await call("GET", "/system/ping", { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      ActiveSearchBackend: "database",
      AndroidLatestVersion: "",
      AndroidMinVersion: "",
      IosLatestVersion: "",
      IosMinVersion: "",
      status: "OK",
    });
  });

  test("an unknown route, or a known one with another method, is api.context.404.app_error", async () => {
    for (const [method, path] of [
      ["GET", "/nothing/here"],
      ["DELETE", "/posts"],
      ["GET", "/users/me/"],
    ] as const) {
      const r = await call(method, path);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({
        id: "api.context.404.app_error",
        message: "Sorry, we could not find the page.",
        detailed_error: `There doesn't appear to be an api call for the url='/api/v4${path}'.  Typo? are you missing a team_id or user_id as part of the url?`,
        status_code: 404,
      });
    }
  });
});

describe("users and teams", () => {
  test("users/me, users/me/teams, users/username, users/{id}", async () => {
    expect(await call("GET", "/users/me")).toMatchObject({ status: 200, body: s.bot });
    expect(s.bot).toMatchObject({ username: "notify-bot", is_bot: true });
    expect(await call("GET", "/users/me/teams")).toMatchObject({ status: 200, body: [s.team] });
    expect(await call("GET", "/users/username/alice")).toMatchObject({ status: 200, body: s.users.alice });
    expect(await call("GET", `/users/${s.users.bob.id}`)).toMatchObject({ status: 200, body: s.users.bob });
  });

  test("unknown and malformed users", async () => {
    const unknown = await call("GET", "/users/username/nobody");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(
      appError(
        "app.user.get_by_username.app_error",
        "Unable to find an existing account matching your username for this team. This team may require an invite from the team owner to join.",
        404,
      ),
    );
    const bad = await call("GET", "/users/username/bad%20name");
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      appError("api.context.invalid_url_param.app_error", "Invalid or missing username parameter in request URL.", 400),
    );
  });

  test("teams/name/{team}", async () => {
    expect(await call("GET", "/teams/name/research")).toMatchObject({ status: 200, body: s.team });
    expect(s.team).toMatchObject({ name: "research", display_name: "Research" });
    const missing = await call("GET", "/teams/name/physics");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(
      appError("app.team.get_by_name.missing.app_error", "Unable to find the existing team.", 404),
    );
    const bad = await call("GET", "/teams/name/Up_per");
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      appError(
        "api.context.invalid_url_param.app_error",
        "Invalid or missing team_name parameter in request URL.",
        400,
      ),
    );
  });

  test("a team added without a display name is answered without display_name", async () => {
    const team = s.addTeam("unnamed");
    const got = await call("GET", "/teams/name/unnamed");
    expect(got.status).toBe(200);
    expect(got.body).toEqual(team);
    expect(Object.hasOwn(got.body as object, "display_name")).toBe(false);
  });
});

describe("channels", () => {
  const byName = (team: string, channel: string): Promise<Answer> =>
    call("GET", `/teams/name/${team}/channels/name/${channel}`);
  const missing = appError("app.channel.get_by_name.missing.app_error", "Channel does not exist.", 404);

  test("public channels are found, member or not; a private one the bot is not in is 404", async () => {
    expect(await byName("research", "town-square")).toMatchObject({ status: 200, body: s.channels.townSquare });
    expect(await byName("research", "no-bot")).toMatchObject({ status: 200, body: s.channels.noBot });
    expect(await byName("research", "secret")).toEqual(expect.objectContaining({ status: 404, body: missing }));
    expect(await byName("research", "nowhere")).toEqual(expect.objectContaining({ status: 404, body: missing }));
    const team = await byName("physics", "general");
    expect(team.status).toBe(404);
    expect(team.body).toEqual(
      appError("app.team.get_by_name.missing.app_error", "Unable to find the existing team.", 404),
    );
    const byId = await call("GET", `/teams/${s.team.id}/channels/name/general`);
    expect(byId).toMatchObject({ status: 200, body: s.channels.general });
  });

  test("a private channel the bot is a member of is found", async () => {
    const lab = s.addChannel("lab", { type: "P", members: [s.bot.id, s.users.alice.id] });
    expect(await byName("research", "lab")).toMatchObject({ status: 200, body: lab });
  });

  test("channels/direct creates the DM once and answers 201 both times", async () => {
    const first = await call("POST", "/channels/direct", { json: [s.bot.id, s.users.alice.id] });
    expect(first.status).toBe(201);
    const dm = first.body as Channel;
    expect(dm).toMatchObject({
      type: "D",
      team_id: "",
      name: [s.bot.id, s.users.alice.id].sort().join("__"),
      display_name: "",
    });
    const again = await call("POST", "/channels/direct", { json: [s.users.alice.id, s.bot.id] });
    expect(again).toMatchObject({ status: 201, body: { id: dm.id } });
    expect(s.dmChannelWith(s.users.alice.id)?.id).toBe(dm.id);
    expect(s.dmChannelWith(s.users.bob.id)).toBeUndefined();
  });

  test("channels/direct errors", async () => {
    const cases: Array<[unknown, number, Record<string, unknown>]> = [
      [
        { user_ids: [] },
        400,
        appError("api.context.invalid_body_param.app_error", "Invalid or missing user_ids in request body.", 400),
      ],
      [
        [s.bot.id],
        400,
        appError("api.context.invalid_body_param.app_error", "Invalid or missing user_ids in request body.", 400),
      ],
      [
        [s.bot.id, "short"],
        400,
        appError("api.context.invalid_body_param.app_error", "Invalid or missing user_id in request body.", 400),
      ],
      [
        [s.users.alice.id, s.users.bob.id],
        403,
        appError("api.context.permissions.app_error", "You do not have the appropriate permissions.", 403),
      ],
      [
        [s.bot.id, "abcdefghijklmnopqrstuvwxyz"],
        400,
        appError(
          "api.channel.create_direct_channel.invalid_user.app_error",
          "Invalid user ID for direct channel creation.",
          400,
        ),
      ],
    ];
    for (const [json, status, body] of cases)
      expect(await call("POST", "/channels/direct", { json })).toMatchObject({ status, body });
    expect(s.dmChannelWith(s.users.alice.id)).toBeUndefined();
  });
});

describe("config/client", () => {
  test("format=old answers strings, with the limits for a logged-in caller", async () => {
    const r = await call("GET", "/config/client?format=old");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      MaxFileSize: String(100 * 1024 * 1024),
      Version: "10.5.0",
      BuildNumber: "test",
      SiteName: "Mattermost",
      SiteURL: s.url,
      MaxPostSize: "16383",
    });
    for (const v of Object.values(r.body as Record<string, unknown>)) expect(typeof v).toBe("string");
    const anonymous = await call("GET", "/config/client?format=old", { token: null });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toMatchObject({ Version: "10.5.0" });
    expect(anonymous.body).not.toHaveProperty("MaxFileSize");
  });

  test("without format=old it is 501, another format is 400", async () => {
    const none = await call("GET", "/config/client");
    expect(none.status).toBe(501);
    expect(none.body).toEqual(
      appError("api.config.client.old_format.app_error", "api.config.client.old_format.app_error", 501),
    );
    const other = await call("GET", "/config/client?format=new");
    expect(other.status).toBe(400);
    expect(other.body).toEqual(
      appError("api.context.invalid_body_param.app_error", "Invalid or missing format in request body.", 400),
    );
  });
});
