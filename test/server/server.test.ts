// The test server's own behaviour, through plain fetch.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Channel } from "@mattermost/types/channels";
import type { FileUploadResponse } from "@mattermost/types/files";
import type { Post } from "@mattermost/types/posts";
import { startTestServer, type TestServer } from "./index.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());
beforeEach(() => s.reset());

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(
  method: string,
  path: string,
  opts: {
    json?: unknown;
    raw?: RequestInit["body"];
    token?: string | null;
    server?: TestServer;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const srv = opts.server ?? s;
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? srv.token : opts.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let body = opts.raw;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["Content-Type"] = "application/json";
  }
  const res = await fetch(`${srv.url}/api/v4${path}`, { method, headers, body });
  const text = await res.text();
  const parsed: unknown = res.headers.get("content-type") === "application/json" ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body: parsed };
}

const anyId = expect.stringMatching(/^[a-z0-9]{26}$/);

function appError(id: string, message: string, status: number, detailed = ""): Record<string, unknown> {
  return { id, message, detailed_error: detailed, request_id: anyId, status_code: status };
}

function form(parts: Array<[string, string] | [string, Blob, string]>): FormData {
  const fd = new FormData();
  for (const p of parts) {
    if (p.length === 3) fd.append(p[0], p[1], p[2]);
    else fd.append(p[0], p[1]);
  }
  return fd;
}

async function upload(
  content: string | Uint8Array,
  name = "log.txt",
  channelId = s.channels.general.id,
): Promise<string> {
  const r = await call("POST", "/files", {
    raw: form([
      ["channel_id", channelId],
      ["files", new Blob([content]), name],
    ]),
  });
  expect(r.status).toBe(201);
  const id = (r.body as FileUploadResponse).file_infos[0]?.id;
  if (!id) throw new Error("no file id");
  return id;
}

async function post(message: string, extra: Record<string, unknown> = {}): Promise<Post> {
  const r = await call("POST", "/posts", { json: { channel_id: s.channels.general.id, message, ...extra } });
  expect(r.status).toBe(201);
  return r.body as Post;
}

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

describe("files", () => {
  test("an upload is stored byte for byte and recorded part by part", async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 31) % 251);
    const r = await call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.general.id],
        ["client_ids", "c1"],
        ["client_ids", "c2"],
        ["files", new Blob([bytes]), "data.bin"],
        ["files", new Blob(["two"]), "dir/notes.TXT"],
      ]),
    });
    expect(r.status).toBe(201);
    const res = r.body as FileUploadResponse;
    expect(res.client_ids).toEqual(["c1", "c2"]);
    expect(res.file_infos).toEqual([
      expect.objectContaining({
        id: anyId,
        user_id: s.bot.id,
        channel_id: s.channels.general.id,
        name: "data.bin",
        extension: "bin",
        size: bytes.length,
        mime_type: "application/octet-stream",
        has_preview_image: false,
        delete_at: 0,
      }),
      expect.objectContaining({ name: "notes.TXT", extension: "txt", size: 3, mime_type: "text/plain" }),
    ]);
    expect(res.file_infos[0]).not.toHaveProperty("post_id");
    const stored = s.files.get(res.file_infos[0]?.id ?? "");
    expect(stored?.content.equals(Buffer.from(bytes))).toBe(true);
    expect(s.files.get(res.file_infos[1]?.id ?? "")?.content.toString()).toBe("two");
    expect(s.requests.at(-1)?.multipart).toEqual({
      fields: [
        { name: "channel_id", value: s.channels.general.id },
        { name: "client_ids", value: "c1" },
        { name: "client_ids", value: "c2" },
      ],
      files: [
        { field: "files", filename: "data.bin", size: bytes.length, contentType: "application/octet-stream" },
        { field: "files", filename: "notes.TXT", size: 3, contentType: "application/octet-stream" },
      ],
      order: ["channel_id", "client_ids", "client_ids", "files", "files"],
    });
  });

  test("files before channel_id are 400 (strict mode); a lenient server takes them", async () => {
    const parts = (): FormData =>
      form([
        ["files", new Blob(["x"]), "a.txt"],
        ["channel_id", s.channels.general.id],
      ]);
    const r = await call("POST", "/files", { raw: parts() });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(
      appError(
        "api.file.upload_file.read_request.app_error",
        "Unable to upload file(s). Error reading or parsing request data.",
        400,
        "test server: the channel_id field must come before the files parts",
      ),
    );
    expect(s.files.size).toBe(0);
    const lenient = await startTestServer({ strictMultipartOrder: false });
    try {
      const ok = await call("POST", "/files", {
        raw: form([
          ["files", new Blob(["x"]), "a.txt"],
          ["channel_id", lenient.channels.general.id],
        ]),
        server: lenient,
      });
      expect(ok.status).toBe(201);
      expect((ok.body as FileUploadResponse).file_infos[0]).toMatchObject({
        channel_id: lenient.channels.general.id,
        size: 1,
      });
    } finally {
      await lenient.close();
    }
  });

  test("channel permission, unknown fields and client_ids counts", async () => {
    const noBot = await call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.noBot.id],
        ["files", new Blob(["x"]), "a.txt"],
      ]),
    });
    expect(noBot.status).toBe(403);
    expect(noBot.body).toEqual(
      appError("api.context.permissions.app_error", "You do not have the appropriate permissions.", 403),
    );
    const unknown = await call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.general.id],
        ["colour", "red"],
      ]),
    });
    expect(unknown.body).toEqual(
      appError("api.context.invalid_body_param.app_error", "Invalid or missing colour in request body.", 400),
    );
    const count = await call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.general.id],
        ["client_ids", "a"],
        ["client_ids", "b"],
        ["files", new Blob(["x"]), "a.txt"],
      ]),
    });
    expect(count.body).toEqual(
      appError(
        "api.file.upload_file.incorrect_number_of_client_ids.app_error",
        "Unable to upload file(s). Have 2 client_ids for 1 files.",
        400,
      ),
    );
  });

  test("a file over MaxFileSize, and a request over MaxFileSize + 512, are 413", async () => {
    const small = await startTestServer({ maxFileSize: 1000 });
    try {
      const file = await call("POST", "/files", {
        server: small,
        raw: form([
          ["channel_id", small.channels.general.id],
          ["files", new Blob([new Uint8Array(1001)]), "big.log"],
        ]),
      });
      expect(file.status).toBe(413);
      expect(file.body).toEqual(
        appError(
          "api.file.upload_file.too_large_detailed.app_error",
          "Unable to upload file big.log. 1001 bytes exceeds the maximum allowed 1000 bytes.",
          413,
        ),
      );
      // Far over the limit: still the per-file answer, however the body is cut into chunks.
      const huge = await call("POST", "/files", {
        server: small,
        raw: form([
          ["channel_id", small.channels.general.id],
          ["files", new Blob([new Uint8Array(5_000_000)]), "huge.log"],
        ]),
      });
      expect(huge.body).toEqual(
        appError(
          "api.file.upload_file.too_large_detailed.app_error",
          "Unable to upload file huge.log. 1001 bytes exceeds the maximum allowed 1000 bytes.",
          413,
        ),
      );
      const exact = await call("POST", "/files", {
        server: small,
        raw: form([
          ["channel_id", small.channels.general.id],
          ["files", new Blob([new Uint8Array(1000)]), "ok.log"],
        ]),
      });
      expect(exact.status).toBe(201);
      // Two files of 900 bytes: each under the limit, the request over it.
      const many = await call("POST", "/files", {
        server: small,
        raw: form([
          ["channel_id", small.channels.general.id],
          ["files", new Blob([new Uint8Array(900)]), "a.log"],
          ["files", new Blob([new Uint8Array(900)]), "b.log"],
        ]),
      });
      expect(many.status).toBe(413);
      expect(many.body).toMatchObject({ id: "api.file.upload_file.too_large_detailed.app_error", status_code: 413 });
      // The connection stays usable after an early answer.
      expect((await call("GET", "/users/me", { server: small })).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  test("a raw body upload with channel_id and filename in the query", async () => {
    const r = await call("POST", `/files?channel_id=${s.channels.general.id}&filename=raw.txt&client_id=k`, {
      raw: "raw bytes",
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ file_infos: [{ name: "raw.txt", size: 9 }], client_ids: ["k"] });
    const noChannel = await call("POST", "/files", { raw: "raw bytes" });
    expect(noChannel.body).toEqual(
      appError(
        "api.context.invalid_url_param.app_error",
        "Invalid or missing channel_id parameter in request URL.",
        400,
      ),
    );
  });
});

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

describe("rate limiting", () => {
  test("burst + 1 requests pass, then 429 text/plain with the throttled headers", async () => {
    const limited = await startTestServer({ rateLimit: { perSecond: 1, burst: 2 } });
    try {
      const seen: Array<[number, string | null]> = [];
      for (let i = 0; i < 3; i++) {
        const r = await call("GET", "/users/me", { server: limited });
        seen.push([r.status, r.headers.get("x-ratelimit-remaining")]);
        expect(r.headers.get("x-ratelimit-limit")).toBe("3");
        expect(r.headers.get("retry-after")).toBeNull();
      }
      expect(seen).toEqual([
        [200, "2"],
        [200, "1"],
        [200, "0"],
      ]);
      const res = await fetch(`${limited.url}/api/v4/users/me`, {
        headers: { Authorization: `Bearer ${limited.token}` },
      });
      expect(res.status).toBe(429);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(await res.text()).toBe("limit exceeded\n");
      expect(res.headers.get("x-ratelimit-limit")).toBe("3");
      expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(Number(res.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get("retry-after"))).toBe(1);
      // Buckets are per token: alice is not limited.
      expect(
        (await call("GET", "/users/me", { server: limited, token: limited.tokenFor(limited.users.alice.id) })).status,
      ).toBe(200);
      expect(limited.requests.map((r) => r.status)).toEqual([200, 200, 200, 429, 200]);
    } finally {
      await limited.close();
    }
  });
});

describe("faults", () => {
  test("status with times: two 503s, then normal answers", async () => {
    s.fault({ kind: "status", status: 503, path: "/api/v4/users/me", times: 2 });
    const first = await call("GET", "/users/me");
    expect(first.status).toBe(503);
    expect(first.body).toEqual(
      appError(
        "api.test_server.injected_fault.app_error",
        "api.test_server.injected_fault.app_error",
        503,
        "injected by a test",
      ),
    );
    expect((await call("GET", "/users/me")).status).toBe(503);
    expect((await call("GET", "/users/me")).status).toBe(200);
    expect((await call("GET", "/system/ping")).status).toBe(200);
  });

  test("status with a JSON or text body, matched by method and RegExp", async () => {
    s.fault({
      kind: "status",
      status: 502,
      method: "POST",
      path: /^\/api\/v4\/posts$/,
      body: "<html>Bad Gateway</html>",
    });
    s.fault({ kind: "status", status: 500, path: "/api/v4/users/me/teams", body: { id: "custom", message: "boom" } });
    expect((await call("GET", "/posts/abcdefghijklmnopqrstuvwxyz")).status).toBe(404);
    const text = await call("POST", "/posts", { json: { channel_id: s.channels.general.id, message: "x" } });
    expect(text).toMatchObject({ status: 502, body: "<html>Bad Gateway</html>" });
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await call("GET", "/users/me/teams")).toMatchObject({
      status: 500,
      body: { id: "custom", message: "boom" },
    });
    expect(s.requests.find((r) => r.method === "POST")).toMatchObject({ status: 502, body: { message: "x" } });
    expect(s.posts.size).toBe(0);
    s.clearFaults();
    expect((await call("GET", "/users/me/teams")).status).toBe(200);
  });

  test("a string body goes out as the fault's Content-Type says: a proxy's HTML page with status 200", async () => {
    s.fault({
      kind: "status",
      status: 200,
      method: "PUT",
      body: "<html><body>Please log in</body></html>",
      headers: { "Content-Type": "text/html; charset=utf-8" },
      times: 1,
    });
    const page = await call("PUT", "/posts/abcdefghijklmnopqrstuvwxyz/patch", { json: { message: "x" } });
    expect(page).toMatchObject({ status: 200, body: "<html><body>Please log in</body></html>" });
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect((await call("PUT", "/posts/abcdefghijklmnopqrstuvwxyz/patch", { json: { message: "x" } })).status).toBe(403);
  });

  test("hold with unread: the upload waits, its body untaken, and is handled whole after release", async () => {
    const size = 4 * 1024 * 1024;
    const held = s.hold("POST", "/api/v4/files", { unread: true });
    const answer = call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.general.id],
        ["files", new Blob([new Uint8Array(size)]), "big.bin"],
      ]),
    });
    await held.arrived;
    expect(s.requests.at(-1)).toMatchObject({ path: "/api/v4/files", status: 0 });
    held.release();
    const r = await answer;
    expect(r.status).toBe(201);
    expect((r.body as FileUploadResponse).file_infos[0]?.size).toBe(size);
  });

  test("delay answers normally, late", async () => {
    s.fault({ kind: "delay", ms: 150, times: 1 });
    const t0 = performance.now();
    expect((await call("GET", "/users/me")).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    const t1 = performance.now();
    await call("GET", "/users/me");
    expect(performance.now() - t1).toBeLessThan(100);
  });

  test("hang never answers: the client's timeout fires, the request is recorded with status 0", async () => {
    s.fault({ kind: "hang", path: "/api/v4/users/me", times: 1 });
    const t0 = performance.now();
    const err = await fetch(`${s.url}/api/v4/users/me`, {
      headers: { Authorization: `Bearer ${s.token}` },
      signal: AbortSignal.timeout(200),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("TimeoutError");
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]).toMatchObject({ path: "/api/v4/users/me", status: 0 });
  });

  test("a delayed request is still handled after the client gave up, and its body is recorded on arrival", async () => {
    s.fault({ kind: "delay", ms: 300, method: "POST", path: "/api/v4/posts", times: 1 });
    const body = JSON.stringify({ channel_id: s.channels.general.id, message: "slow", pending_post_id: "p-1" });
    const err = await fetch(`${s.url}/api/v4/posts`, {
      method: "POST",
      headers: { Authorization: `Bearer ${s.token}` },
      body,
      signal: AbortSignal.timeout(100),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("TimeoutError");
    await Bun.sleep(20);
    expect(s.requests[0]).toMatchObject({ status: 0, body: { message: "slow", pending_post_id: "p-1" } });
    expect(s.posts.size).toBe(0);
    await Bun.sleep(300);
    expect([...s.posts.values()].map((p) => p.message)).toEqual(["slow"]);
    // The client's retry with the same pending_post_id gets that post, not a second one.
    const retry = await call("POST", "/posts", { raw: body });
    expect(retry.status).toBe(201);
    expect(s.posts.size).toBe(1);
  });

  test("hang takes the body (recorded) and never answers", async () => {
    s.fault({ kind: "hang", method: "POST", times: 1 });
    const body = JSON.stringify({ channel_id: s.channels.general.id, message: "lost in the void" });
    const err = await fetch(`${s.url}/api/v4/posts`, {
      method: "POST",
      headers: { Authorization: `Bearer ${s.token}` },
      body,
      signal: AbortSignal.timeout(150),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("TimeoutError");
    expect(s.requests).toEqual([
      expect.objectContaining({
        method: "POST",
        status: 0,
        body: { channel_id: s.channels.general.id, message: "lost in the void" },
      }),
    ]);
    expect(s.posts.size).toBe(0);
  });

  test("reset destroys the connection without an answer", async () => {
    s.fault({ kind: "reset", method: "POST", times: 1 });
    const err = await call("POST", "/posts", { json: { channel_id: s.channels.general.id, message: "lost" } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(s.requests[0]).toMatchObject({ method: "POST", path: "/api/v4/posts", status: 0 });
    expect(s.posts.size).toBe(0);
    expect(
      (await call("POST", "/posts", { json: { channel_id: s.channels.general.id, message: "kept" } })).status,
    ).toBe(201);
  });
  test("bomb: a small compressed answer whose Content-Length is the compressed size", async () => {
    s.fault({ kind: "bomb", encoding: "gzip", decodedBytes: 8 * 1024 * 1024, path: "/api/v4/users/me", times: 1 });
    const res = await fetch(`${s.url}/api/v4/users/me`, {
      headers: { Authorization: `Bearer ${s.token}` },
      decompress: false,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const raw = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get("content-length"))).toBe(raw.length);
    expect(raw.length).toBeLessThan(64 * 1024);
    expect(Bun.gunzipSync(raw).length).toBe(8 * 1024 * 1024);
    expect(s.requests[0]).toMatchObject({ path: "/api/v4/users/me", status: 200 });
  });
});

describe("recording, reset and lifecycle", () => {
  test("requests are recorded with headers, query and parsed JSON body", async () => {
    await call("POST", "/channels/direct?x=1", { json: [s.bot.id, s.users.bob.id], headers: { "X-Custom": "yes" } });
    expect(s.requests).toEqual([
      {
        method: "POST",
        path: "/api/v4/channels/direct",
        query: { x: "1" },
        headers: expect.objectContaining({
          authorization: `Bearer ${s.token}`,
          "x-custom": "yes",
          "content-type": "application/json",
        }),
        body: [s.bot.id, s.users.bob.id],
        status: 201,
        at: expect.any(Number),
      },
    ]);
  });

  test("reset() clears requests, posts, files, faults and DMs, and keeps the fixtures", async () => {
    const f = await upload("x");
    await post("x", { file_ids: [f] });
    await call("POST", "/channels/direct", { json: [s.bot.id, s.users.bob.id] });
    s.fault({ kind: "status", status: 500, path: "/api/v4/nowhere" });
    s.reset();
    expect([s.requests.length, s.posts.size, s.files.size]).toEqual([0, 0, 0]);
    expect(s.dmChannelWith(s.users.bob.id)).toBeUndefined();
    expect((await call("GET", "/nowhere")).status).toBe(404);
    expect(await call("GET", "/teams/name/research/channels/name/general")).toMatchObject({
      status: 200,
      body: { id: s.channels.general.id },
    });
    expect((await call("GET", "/users/me")).status).toBe(200);
  });

  test("refuse() refuses connections on the same port until accept()", async () => {
    const other = await startTestServer();
    try {
      expect((await call("GET", "/system/ping", { server: other })).status).toBe(200);
      await other.refuse();
      const err = await call("GET", "/system/ping", { server: other }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as { code?: string }).code).toBe("ECONNREFUSED");
      await other.accept();
      expect((await call("GET", "/system/ping", { server: other })).status).toBe(200);
      expect(other.url).toBe(`http://127.0.0.1:${other.port}`);
    } finally {
      await other.close();
    }
  });

  test("close() does not wait for a hanging request", async () => {
    const other = await startTestServer();
    other.fault({ kind: "hang" });
    const pending = call("GET", "/users/me", { server: other }).catch((e: unknown) => e);
    await Bun.sleep(50);
    const t0 = performance.now();
    await other.close();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
    expect(other.requests).toEqual([expect.objectContaining({ path: "/api/v4/users/me", status: 0 })]);
  });
});

describe("entry points", () => {
  test("main.ts prints the URL and token as one JSON line, logs requests on stderr, stops on SIGTERM", async () => {
    const proc = Bun.spawn(["bun", join(import.meta.dir, "main.ts"), "--port", "0"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    const info = JSON.parse(out.trim()) as { url: string; token: string; bot: string; team: string };
    // Not toMatchObject: with asymmetric matchers Bun 1.4.5 writes the matchers into the received object.
    expect(info).toEqual(
      expect.objectContaining({
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        token: anyId,
        bot: "notify-bot",
        team: "research",
      }),
    );
    const me = await fetch(`${info.url}/api/v4/users/me`, { headers: { Authorization: `Bearer ${info.token}` } });
    expect(me.status).toBe(200);
    await me.text();
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stderr).text()).toMatch(/ GET \/api\/v4\/users\/me -> 200\n/);
  });

  test.skipIf(!Bun.which("node"))("the server runs under Node too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mmn-testserver-"));
    try {
      const built = await Bun.build({
        entrypoints: [join(import.meta.dir, "index.ts")],
        target: "node",
        format: "esm",
        outdir: dir,
        naming: "server.mjs",
      });
      expect(built.success).toBe(true);
      await writeFile(
        join(dir, "run.mjs"),
        `import { startTestServer } from "./server.mjs";
const s = await startTestServer();
const h = { Authorization: "Bearer " + s.token };
const fd = new FormData();
fd.append("channel_id", s.channels.general.id);
fd.append("files", new Blob(["node bytes"]), "n.txt");
const up = await fetch(s.url + "/api/v4/files", { method: "POST", headers: h, body: fd });
const file = (await up.json()).file_infos[0];
s.fault({ kind: "hang" });
const hung = fetch(s.url + "/api/v4/users/me", { headers: h }).then((r) => r.status, () => "closed");
await new Promise((r) => setTimeout(r, 50));
await s.close();
console.log(JSON.stringify([up.status, file.size, s.files.get(file.id).content.toString(), await hung]));
`,
      );
      const proc = Bun.spawn(["node", join(dir, "run.mjs")], { stdout: "pipe", stderr: "pipe" });
      const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual([201, 10, "node bytes", "closed"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
