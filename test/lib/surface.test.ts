// The package's surface is what a library user needs (issue 16, item 3), and delivery is one
// way: a recipient resolved once, a deadline given per call (item 2).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import * as pkg from "../../src/index.ts";
import { Notify, ServerError } from "../../src/index.ts";
import { Api, deadlineIn } from "../../src/mattermost/api.ts";
import * as rest from "../../src/mattermost/endpoints.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe("the public surface", () => {
  test("the package exports the Python package's functions, Notify, its errors and the stores, and nothing of the CLI's", () => {
    expect(Object.keys(pkg).sort()).toEqual(
      [
        "AfterSendError",
        "ConfigError",
        "DirectoryHookStore",
        "FileNameCache",
        "MemoryHookStore",
        "MemoryNameCache",
        "MmnError",
        "NetworkError",
        "Notify",
        "ServerError",
        "UsageError",
        "VERSION",
        "defaultHookDir",
        "defaultNameCachePath",
        "exitCodeOf",
        "exportHook",
        "importHook",
        "notify",
        "notifyChannel",
        "notifyUser",
        "sendUpdate",
        "wakeup",
        "writeConfigFile",
      ].sort(),
    );
  });

  test("Notify's members are a library user's: no retryUntil, edit, once, hooks, teams or uploads", () => {
    const client = new Notify({ url: server.url, token: server.token });
    expect(Object.keys(client)).toEqual([]);
    expect(Object.getOwnPropertyNames(Notify.prototype).sort()).toEqual(
      [
        "checkRecipient",
        "constructor",
        "deliver",
        "me",
        "messageInCache",
        "readMessageHookFromFile",
        "reply",
        "send",
        "sendToChannel",
        "sendToUser",
        "sendUpdate",
        "serverLimits",
        "setDefaultChannel",
        "testConnection",
        "writeMessageHookToFile",
      ].sort(),
    );
  });
});

describe("one way to deliver", () => {
  test("send(message, to) reaches a user or a channel, each name checked before anything is sent", async () => {
    const client = new Notify({ url: server.url, token: server.token, team: "research" });
    const dm = await client.send("to alice", { user: "@Alice" });
    const post = await client.send("to the square", { channel: "town-square" }, { props: { from: "send" } });
    expect(server.posts.get(dm.id)?.message).toBe("to alice");
    expect(server.postsIn(server.channels.townSquare.id).map((p) => [p.message, p.props?.from])).toEqual([
      ["to the square", "send"],
    ]);
    expect(post.channel_id).toBe(server.channels.townSquare.id);
    const bad = await client.send("never", { channel: "Town Square" }).catch((e: unknown) => e);
    expect((bad as Error).message).toBe('"Town Square" is a display name, not a channel name');
    expect(server.posts.size).toBe(2);
  });

  test("a deadline is per call: the call that has one outlasts a failing server, the client's other calls do not", async () => {
    const api = new Api({ url: server.url, token: server.token, retries: 0, retryBackoffMs: 5 });
    server.fault({ kind: "status", status: 503, path: "/api/v4/users/me", times: 3 });
    const me = await rest.getMe(api, deadlineIn(5000));
    expect(me.username).toBe("notify-bot");
    expect(server.requests.filter((r) => r.path === "/api/v4/users/me").map((r) => r.status)).toEqual([
      503, 503, 503, 200,
    ]);
    // The same client, after the call with a deadline: its own policy (no repeat), not the deadline's.
    server.fault({ kind: "status", status: 503, path: "/api/v4/users/me", times: 1 });
    const error = await rest.getMe(api).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).status).toBe(503);
  });

  test("a failing server is tried for the deadline's shorter while for no answer, not the whole deadline", async () => {
    const api = new Api({ url: server.url, token: server.token, retries: 0, retryBackoffMs: 5 });
    server.fault({ kind: "status", status: 503, path: "/api/v4/users/me" });
    const started = performance.now();
    const error = await rest.getMe(api, deadlineIn(20_000, { unansweredMs: 300 })).catch((e: unknown) => e);
    expect((error as ServerError).status).toBe(503);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("requests for files stop at the deadline's files end, the text's go on", async () => {
    const api = new Api({ url: server.url, token: server.token, retries: 0, retryBackoffMs: 5 });
    server.fault({ kind: "status", status: 503, path: "/api/v4/config/client" });
    const end = deadlineIn(20_000, { filesShortMs: 19_700 });
    const started = performance.now();
    const error = await rest.getClientConfig(api, end).catch((e: unknown) => e);
    expect((error as ServerError).status).toBe(503);
    expect(performance.now() - started).toBeLessThan(2000);
    server.fault({ kind: "status", status: 503, path: "/api/v4/users/me", times: 2 });
    expect((await rest.getMe(api, end)).username).toBe("notify-bot");
  });
});
