// The test server's own behaviour, through plain fetch. Posts: created, threaded, edited and read.
import { describe, expect, test } from "bun:test";
import type { FileUploadResponse } from "@mattermost/types/files";
import type { Post } from "@mattermost/types/posts";
import { anyId, appError, form, useTestServer } from "./fetching.ts";
import { startTestServer } from "./index.ts";

const { server: s, call, upload, post } = useTestServer();

describe("posts", () => {
  test("a created post has the real server's shape", async () => {
    const before = Date.now();
    const p = await post("build #done ok", {
      props: { attachments: [{ color: "good", text: "ok" }] },
      pending_post_id: "pend-1",
    });
    // The wire has `metadata: {}` where the client type declares required fields.
    expect(p as unknown).toEqual({
      id: anyId,
      create_at: expect.any(Number),
      update_at: p.create_at,
      edit_at: 0,
      delete_at: 0,
      is_pinned: false,
      user_id: s.bot.id,
      channel_id: s.channels.general.id,
      root_id: "",
      original_id: "",
      message: "build #done ok",
      type: "",
      props: { attachments: [{ color: "good", text: "ok" }], from_bot: "true" },
      hashtags: "#done",
      pending_post_id: "pend-1",
      reply_count: 0,
      last_reply_at: 0,
      participants: null,
      metadata: {},
    });
    expect(p.create_at).toBeGreaterThanOrEqual(before);
    expect(s.posts.get(p.id)).toEqual(p);
    expect(s.postsIn(s.channels.general.id).map((x) => x.id)).toEqual([p.id]);
    expect(s.channels.general).toMatchObject({
      last_post_at: p.create_at,
      last_root_post_at: p.create_at,
      total_msg_count: 1,
      total_msg_count_root: 1,
    });
  });

  test("files are attached: file_ids, metadata.files and the FileInfo's post_id", async () => {
    const a = await upload("first");
    const b = await upload("second", "b.txt");
    const p = await post("with files", { file_ids: [a, b, a] });
    expect(p.file_ids).toEqual([a, b]);
    expect(p.metadata.files.map((f) => [f.id, f.post_id])).toEqual([
      [a, p.id],
      [b, p.id],
    ]);
    expect(s.files.get(a)?.info.post_id).toBe(p.id);
    // A file already attached elsewhere, or unknown, is dropped silently.
    const q = await post("again", { file_ids: [a, "abcdefghijklmnopqrstuvwxyz"] });
    expect(q).not.toHaveProperty("file_ids");
    expect(q.metadata as unknown).toEqual({});
  });

  test("a thread reply, and the root_id errors", async () => {
    const root = await post("root");
    const reply = await post("reply", { root_id: root.id });
    expect(reply).toMatchObject({ root_id: root.id, reply_count: 1 });
    expect(s.posts.get(root.id)).toMatchObject({ reply_count: 1, last_reply_at: reply.create_at });
    const unknown = await call("POST", "/posts", {
      json: { channel_id: s.channels.general.id, message: "x", root_id: "abcdefghijklmnopqrstuvwxyz" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual(appError("api.post.create_post.root_id.app_error", "Invalid RootId parameter.", 400));
    const nested = await call("POST", "/posts", {
      json: { channel_id: s.channels.general.id, message: "x", root_id: reply.id },
    });
    expect(nested.body).toEqual(appError("api.post.create_post.root_id.app_error", "Invalid RootId parameter.", 400));
  });

  test("the message limit counts code points, not UTF-16 units", async () => {
    const ok = await post("😀".repeat(16383));
    expect(ok.message.length).toBe(32766);
    const r = await call("POST", "/posts", { json: { channel_id: s.channels.general.id, message: "é".repeat(16384) } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(
      appError(
        "model.post.is_valid.message_length.app_error",
        "Post Message property is longer than the maximum permitted length.",
        400,
      ),
    );
  });

  test("more than 10 file_ids is 400, 10 are fine", async () => {
    const ids = Array.from({ length: 11 }, (_, i) => `${"f".repeat(24)}${String(i).padStart(2, "0")}`);
    expect(
      (
        await call("POST", "/posts", {
          json: { channel_id: s.channels.general.id, message: "x", file_ids: ids.slice(0, 10) },
        })
      ).status,
    ).toBe(201);
    const r = await call("POST", "/posts", {
      json: { channel_id: s.channels.general.id, message: "x", file_ids: ids },
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(
      appError(
        "model.post.is_valid.file_ids.app_error",
        "Invalid file ids. Note that uploads are limited to 10 files maximum. Please use additional posts for more files.",
        400,
      ),
    );
  });

  test("posting where the bot is not a member, or to an unknown channel, is 403", async () => {
    for (const channel_id of [s.channels.noBot.id, s.channels.secret.id, "abcdefghijklmnopqrstuvwxyz"]) {
      const r = await call("POST", "/posts", { json: { channel_id, message: "x" } });
      expect(r.status).toBe(403);
      expect(r.body).toEqual(
        appError("api.context.permissions.app_error", "You do not have the appropriate permissions.", 403),
      );
    }
    expect(s.posts.size).toBe(0);
  });

  test("the same pending_post_id twice gives the first post back", async () => {
    const first = await post("once", { pending_post_id: "abc" });
    const second = await call("POST", "/posts", {
      json: { channel_id: s.channels.general.id, message: "twice", pending_post_id: "abc" },
    });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first);
    expect(s.posts.size).toBe(1);
    // Another user with the same pending id gets a post of their own.
    const alice = await call("POST", "/posts", {
      token: s.tokenFor(s.users.alice.id),
      json: { channel_id: s.channels.general.id, message: "hers", pending_post_id: "abc" },
    });
    expect(alice).toMatchObject({ status: 201, body: { message: "hers", user_id: s.users.alice.id, props: {} } });
  });

  test("bad bodies: not JSON, wrong types, over 300 000 bytes", async () => {
    const invalid = appError(
      "api.context.invalid_body_param.app_error",
      "Invalid or missing post in request body.",
      400,
    );
    expect(
      await call("POST", "/posts", { raw: "{not json", headers: { "Content-Type": "application/json" } }),
    ).toMatchObject({ status: 400, body: invalid });
    expect(await call("POST", "/posts", { json: { channel_id: s.channels.general.id, message: 42 } })).toMatchObject({
      status: 400,
      body: invalid,
    });
    expect(await call("POST", "/posts", { json: [1, 2] })).toMatchObject({ status: 400, body: invalid });
    const big = await call("POST", "/posts", {
      json: { channel_id: s.channels.general.id, message: "x", props: { blob: "y".repeat(300_600) } },
    });
    expect(big.status).toBe(413);
    expect(big.body).toEqual(
      appError(
        "api.context.request_body_too_large.app_error",
        "Unable to process request. Request body too large.",
        413,
      ),
    );
    expect(s.posts.size).toBe(0);
  });
});

describe("edit and read posts", () => {
  test("a patch sets edit_at and update_at, and replaces the whole props", async () => {
    const p = await post("running", { props: { attachments: [{ color: "warning" }], job: "42" } });
    await Bun.sleep(2);
    const r = await call("PUT", `/posts/${p.id}/patch`, {
      json: { message: "done", props: { attachments: [{ color: "good" }] } },
    });
    expect(r.status).toBe(200);
    const edited = r.body as Post;
    expect(edited).toMatchObject({
      id: p.id,
      message: "done",
      props: { attachments: [{ color: "good" }] },
      create_at: p.create_at,
    });
    expect(edited.props).not.toHaveProperty("job");
    expect(edited.props).not.toHaveProperty("from_bot");
    expect(edited.edit_at).toBeGreaterThan(p.create_at);
    expect(edited.update_at).toBe(edited.edit_at);
    expect(s.posts.get(p.id)).toEqual(edited);
    // Props alone (no attachment change) update update_at but not edit_at.
    await Bun.sleep(2);
    const props = (
      await call("PUT", `/posts/${p.id}/patch`, { json: { props: { attachments: [{ color: "good" }], k: 1 } } })
    ).body as Post;
    expect(props.edit_at).toBe(edited.edit_at);
    expect(props.update_at).toBeGreaterThan(edited.update_at);
  });

  test("past PostEditTimeLimit the message is refused (400), props still change, and reset() lifts the limit", async () => {
    s.editTimeLimit(0);
    const p = await post("running");
    await Bun.sleep(2);
    const refused = await call("PUT", `/posts/${p.id}/patch`, { json: { message: "done" } });
    expect(refused).toMatchObject({
      status: 400,
      body: appError(
        "api.post.update_post.permissions_time_limit.app_error",
        "Post edit is only allowed for 0 seconds.",
        400,
      ),
    });
    expect(s.posts.get(p.id)?.message).toBe("running");
    const props = await call("PUT", `/posts/${p.id}/patch`, { json: { message: "running", props: { k: 1 } } });
    expect(props.status).toBe(200);
    s.editTimeLimit(3600);
    expect((await call("PUT", `/posts/${p.id}/patch`, { json: { message: "done" } })).status).toBe(200);
    s.editTimeLimit(0);
    s.reset();
    const q = await post("running");
    await Bun.sleep(2);
    expect((await call("PUT", `/posts/${q.id}/patch`, { json: { message: "again" } })).status).toBe(200);
  });

  test("an unknown post, or someone else's, is 403; a long message is 400", async () => {
    const forbidden = appError(
      "api.context.permissions.app_error",
      "You do not have the appropriate permissions.",
      403,
    );
    expect(await call("PUT", "/posts/abcdefghijklmnopqrstuvwxyz/patch", { json: { message: "x" } })).toMatchObject({
      status: 403,
      body: forbidden,
    });
    const hers = await call("POST", "/posts", {
      token: s.tokenFor(s.users.alice.id),
      json: { channel_id: s.channels.general.id, message: "hers" },
    });
    expect(await call("PUT", `/posts/${(hers.body as Post).id}/patch`, { json: { message: "mine" } })).toMatchObject({
      status: 403,
      body: forbidden,
    });
    const p = await post("short");
    const long = await call("PUT", `/posts/${p.id}/patch`, { json: { message: "x".repeat(16384) } });
    expect(long.body).toEqual(
      appError(
        "model.post.is_valid.message_length.app_error",
        "Post Message property is longer than the maximum permitted length.",
        400,
      ),
    );
    const bad = await call("PUT", "/posts/nope/patch", { json: { message: "x" } });
    expect(bad.body).toEqual(
      appError("api.context.invalid_url_param.app_error", "Invalid or missing post_id parameter in request URL.", 400),
    );
  });

  test("file_ids on a patch work from 10.5 and are ignored before", async () => {
    const p = await post("log follows");
    const f = await upload("log", "job.log");
    const r = await call("PUT", `/posts/${p.id}/patch`, { json: { file_ids: [f] } });
    expect(r.body).toMatchObject({ file_ids: [f], metadata: { files: [{ id: f, post_id: p.id }] } });
    expect((r.body as Post).edit_at).toBeGreaterThan(0);
    const old = await startTestServer({ version: "10.4.2" });
    try {
      const op = (
        await call("POST", "/posts", { server: old, json: { channel_id: old.channels.general.id, message: "x" } })
      ).body as Post;
      const ofd = form([
        ["channel_id", old.channels.general.id],
        ["files", new Blob(["z"]), "z.txt"],
      ]);
      const of = ((await call("POST", "/files", { server: old, raw: ofd })).body as FileUploadResponse).file_infos[0]
        ?.id;
      const patched = await call("PUT", `/posts/${op.id}/patch`, { server: old, json: { file_ids: [of] } });
      expect(patched.status).toBe(200);
      expect(patched.body).not.toHaveProperty("file_ids");
    } finally {
      await old.close();
    }
  });

  test("GET posts/{id}", async () => {
    const f = await upload("attached");
    const p = await post("read me", { file_ids: [f] });
    const r = await call("GET", `/posts/${p.id}`);
    expect(r).toMatchObject({ status: 200, body: { id: p.id, message: "read me", metadata: { files: [{ id: f }] } } });
    const missing = await call("GET", "/posts/abcdefghijklmnopqrstuvwxyz");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(appError("app.post.get.app_error", "Unable to get the post.", 404));
  });
});

describe("a channel's posts since a time, and pending post ids forgotten", () => {
  test("GET /channels/{id}/posts?since= lists the posts made or changed since then; forgotten pending ids make new posts", async () => {
    const first = await post("first", { pending_post_id: "pend-a" });
    const since = first.update_at + 1;
    await Bun.sleep(2);
    const second = await post("second");
    const r = await call("GET", `/channels/${s.channels.general.id}/posts?since=${since}`);
    expect(r.status).toBe(200);
    const body = r.body as { order: string[]; posts: Record<string, Post> };
    expect(body.order).toEqual([second.id]);
    expect(body.posts[second.id]!.message).toBe("second");
    expect((await call("GET", `/channels/${s.channels.secret.id}/posts`)).status).toBe(403);
    expect((await post("first again", { pending_post_id: "pend-a" })).id).toBe(first.id);
    s.forgetPendingPosts();
    expect((await post("first again", { pending_post_id: "pend-a" })).id).not.toBe(first.id);
  });
});
