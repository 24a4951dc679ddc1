// The official client, @mattermost/client's Client4, against the test server: it must answer the
// way real clients expect (shapes, status codes, Content-Type, error bodies).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Client4, ClientError } from "@mattermost/client";
import { startTestServer, type TestServer } from "./server/index.ts";

let s: TestServer;
let client: Client4;

function clientFor(token: string): Client4 {
  const c = new Client4();
  c.setUrl(s.url);
  c.setToken(token);
  return c;
}

beforeAll(async () => {
  s = await startTestServer();
  client = clientFor(s.token);
});
afterAll(() => s.close());
beforeEach(() => s.reset());

/** The ClientError a rejected Client4 call throws, for assertions. */
async function clientError(p: Promise<unknown>): Promise<ClientError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClientError);
  return err as ClientError;
}

describe("Client4 against the test server", () => {
  test("ping, and the server version from X-Version-Id", async () => {
    expect(await client.ping(false)).toMatchObject({ status: "OK" });
    expect(client.getServerVersion()).toMatch(/^10\.5\.0\.test\.[0-9a-f]{32}\.false$/);
    expect(s.requests[0]?.query).toEqual({ get_server_status: "false", use_rest_semantics: "true" });
  });

  test("getMe, getMyTeams, getTeamByName, getUserByUsername", async () => {
    expect(await client.getMe()).toEqual(s.bot);
    expect(await client.getMyTeams()).toEqual([s.team]);
    expect(await client.getTeamByName("research")).toEqual(s.team);
    expect(await client.getUserByUsername("alice")).toEqual(s.users.alice);
    // Client4 sends "BEARER <token>" and X-Requested-With; the server takes any case of the scheme.
    expect(s.requests[0]?.headers).toMatchObject({
      authorization: `BEARER ${s.token}`,
      "x-requested-with": "XMLHttpRequest",
    });
  });

  test("getChannelByName and getChannelByNameAndTeamName", async () => {
    expect(await client.getChannelByName(s.team.id, "general")).toEqual(s.channels.general);
    expect(await client.getChannelByNameAndTeamName("research", "town-square")).toEqual(s.channels.townSquare);
    const err = await clientError(client.getChannelByNameAndTeamName("research", "secret"));
    expect(err).toMatchObject({
      message: "Channel does not exist.",
      status_code: 404,
      server_error_id: "app.channel.get_by_name.missing.app_error",
    });
  });

  test("createDirectChannel, twice", async () => {
    const dm = await client.createDirectChannel([s.bot.id, s.users.bob.id]);
    expect(dm).toMatchObject({ type: "D", name: [s.bot.id, s.users.bob.id].sort().join("__") });
    expect((await client.createDirectChannel([s.users.bob.id, s.bot.id])).id).toBe(dm.id);
    expect(s.dmChannelWith(s.users.bob.id)?.id).toBe(dm.id);
  });

  test("uploadFile, createPost with file_ids, patchPost, getPost", async () => {
    const fd = new FormData();
    fd.append("channel_id", s.channels.general.id);
    fd.append("client_ids", "client-1");
    fd.append("files", new Blob(["line 1\nline 2\n"], { type: "text/plain" }), "job.log");
    const uploaded = await client.uploadFile(fd);
    expect(uploaded.client_ids).toEqual(["client-1"]);
    const info = uploaded.file_infos[0];
    expect(info).toMatchObject({ name: "job.log", size: 14, extension: "log", channel_id: s.channels.general.id });
    if (!info) throw new Error("no file");
    expect(s.files.get(info.id)?.content.toString()).toBe("line 1\nline 2\n");
    expect(s.requests[0]?.multipart?.files).toEqual([
      { field: "files", filename: "job.log", size: 14, contentType: "text/plain;charset=utf-8" },
    ]);

    const created = await client.createPost({
      channel_id: s.channels.general.id,
      message: "job started",
      file_ids: [info.id],
    });
    expect(created).toMatchObject({
      message: "job started",
      user_id: s.bot.id,
      file_ids: [info.id],
      props: { from_bot: "true" },
    });
    expect(created.metadata.files.map((f) => f.id)).toEqual([info.id]);

    const patched = await client.patchPost({
      id: created.id,
      message: "job done",
      props: { attachments: [{ color: "good", text: "exit 0" }] },
    });
    expect(patched).toMatchObject({
      id: created.id,
      message: "job done",
      props: { attachments: [{ color: "good", text: "exit 0" }] },
    });
    expect(patched.edit_at).toBeGreaterThan(0);

    const read = await client.getPost(created.id);
    expect(read).toMatchObject({ id: created.id, message: "job done", file_ids: [info.id] });
    expect(s.postsIn(s.channels.general.id)).toHaveLength(1);
  });

  test("getClientConfig (format=old) carries MaxFileSize and Version as strings", async () => {
    const config = await client.getClientConfig();
    expect(config).toMatchObject({ Version: "10.5.0", MaxFileSize: String(100 * 1024 * 1024), SiteName: "Mattermost" });
    expect(s.requests[0]?.query).toEqual({ format: "old" });
  });

  test("errors reject with a ClientError carrying the server's message, id and status", async () => {
    const unknown = await clientError(client.getUserByUsername("nobody"));
    expect(unknown).toMatchObject({
      message:
        "Unable to find an existing account matching your username for this team. This team may require an invite from the team owner to join.",
      server_error_id: "app.user.get_by_username.app_error",
      status_code: 404,
      url: `${s.url}/api/v4/users/username/nobody`,
    });
    const forbidden = await clientError(client.createPost({ channel_id: s.channels.noBot.id, message: "x" }));
    expect(forbidden).toMatchObject({
      message: "You do not have the appropriate permissions.",
      status_code: 403,
      server_error_id: "api.context.permissions.app_error",
    });
    const expired = await clientError(clientFor("wrong-token").getMe());
    expect(expired).toMatchObject({
      message: "Invalid or expired session, please login again.",
      status_code: 401,
      server_error_id: "api.context.session_expired.app_error",
    });
    const gone = await clientError(client.patchPost({ id: "abcdefghijklmnopqrstuvwxyz", message: "x" }));
    expect(gone).toMatchObject({ status_code: 403, server_error_id: "api.context.permissions.app_error" });
  });

  test("an injected 503 and a reset surface as errors too", async () => {
    s.fault({ kind: "status", status: 503, times: 1 });
    expect(await clientError(client.getMe())).toMatchObject({
      status_code: 503,
      server_error_id: "api.test_server.injected_fault.app_error",
    });
    // times: 2, because Bun's fetch retries a GET once on a fresh connection when a reused
    // keep-alive connection is reset before any answer.
    s.fault({ kind: "reset", times: 2 });
    const reset = await client.getMe().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(reset).toBeInstanceOf(Error);
    s.clearFaults();
    expect((await client.getMe()).id).toBe(s.bot.id);
  });
});
