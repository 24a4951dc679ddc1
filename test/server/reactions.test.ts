// The test server's reactions, through plain fetch: made, listed, removed, and refused as the real server refuses them.
import { describe, expect, test } from "bun:test";
import type { Reaction } from "@mattermost/types/reactions";
import { appError, useTestServer } from "./fetching.ts";

const { server: s, call, post } = useTestServer();
const forbidden = appError("api.context.permissions.app_error", "You do not have the appropriate permissions.", 403);

describe("reactions", () => {
  test("a user reacts, the post's reactions list it (oldest first), the same again replaces it, and it can be removed", async () => {
    const p = await post("status");
    expect(await call("GET", `/posts/${p.id}/reactions`)).toMatchObject({ status: 200, body: [] });
    const alice = s.tokenFor(s.users.alice.id);
    const made = await call("POST", "/reactions", {
      token: alice,
      json: { user_id: s.users.alice.id, post_id: p.id, emoji_name: "octagonal_sign" },
    });
    expect(made.status).toBe(200);
    expect(made.body).toEqual({
      user_id: s.users.alice.id,
      post_id: p.id,
      emoji_name: "octagonal_sign",
      create_at: expect.any(Number),
    });
    s.react(s.users.bob.id, p.id, "eyes");
    await call("POST", "/reactions", {
      token: alice,
      json: { user_id: s.users.alice.id, post_id: p.id, emoji_name: "octagonal_sign" },
    });
    const listed = (await call("GET", `/posts/${p.id}/reactions`)).body as Reaction[];
    expect(listed.map((r) => [r.user_id, r.emoji_name])).toEqual([
      [s.users.bob.id, "eyes"],
      [s.users.alice.id, "octagonal_sign"],
    ]);
    const gone = await call("DELETE", `/users/${s.users.alice.id}/posts/${p.id}/reactions/octagonal_sign`, {
      token: alice,
    });
    expect(gone).toMatchObject({ status: 200, body: { status: "OK" } });
    expect(((await call("GET", `/posts/${p.id}/reactions`)).body as Reaction[]).map((r) => r.emoji_name)).toEqual([
      "eyes",
    ]);
  });

  test("someone else's reaction, a post one cannot read or that is not there: 403; a bad emoji name: 400", async () => {
    const p = await post("status");
    const alice = s.tokenFor(s.users.alice.id);
    expect(
      await call("POST", "/reactions", {
        token: alice,
        json: { user_id: s.users.bob.id, post_id: p.id, emoji_name: "eyes" },
      }),
    ).toMatchObject({ status: 403, body: forbidden });
    expect(
      await call("POST", "/reactions", {
        token: alice,
        json: { user_id: s.users.alice.id, post_id: p.id, emoji_name: "no bell" },
      }),
    ).toMatchObject({
      status: 400,
      body: appError("api.context.invalid_body_param.app_error", "Invalid or missing reaction in request body.", 400),
    });
    expect(await call("GET", "/posts/abcdefghijklmnopqrstuvwxyz/reactions")).toMatchObject({
      status: 403,
      body: forbidden,
    });
    const dm = await call("POST", "/channels/direct", { json: [s.bot.id, s.users.alice.id] });
    const theirs = await post("between the bot and alice", { channel_id: (dm.body as { id: string }).id });
    expect(await call("GET", `/posts/${theirs.id}/reactions`, { token: s.tokenFor(s.users.bob.id) })).toMatchObject({
      status: 403,
      body: forbidden,
    });
    expect(
      await call("DELETE", `/users/${s.users.bob.id}/posts/${p.id}/reactions/eyes`, { token: alice }),
    ).toMatchObject({ status: 403, body: forbidden });
  });

  test("reset() forgets the reactions", async () => {
    const p = await post("status");
    s.react(s.users.alice.id, p.id, "no_bell");
    s.reset();
    const q = await post("status");
    expect((await call("GET", `/posts/${q.id}/reactions`)).body).toEqual([]);
    expect(s.posts.has(p.id)).toBe(false);
  });
});
