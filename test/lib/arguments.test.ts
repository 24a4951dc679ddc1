// What a library user gives the public functions, as a JavaScript caller or one porting Python writes it:
// refused with the TypeScript way to say it, before anything is sent.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config-files.ts";
import {
  ConfigError,
  Notify,
  notify,
  notifyChannel,
  notifyUser,
  sendUpdate,
  UsageError,
  wakeup,
} from "../../src/index.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let home: string;
const saved = { HOME: process.env.HOME, cwd: process.cwd() };
const config = () => ({ url: server.url, token: server.token, team: "research" });
const client = () => new Notify(config());
const posts = () => server.requests.filter((r) => r.method === "POST" || r.method === "PUT");
/** What a call threw: its class, message and hint, for one assertion. */
const refusal = async (call: () => unknown) => {
  const error = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof UsageError || error instanceof ConfigError)) throw new Error(`not refused: ${error}`);
  return { kind: error.name, message: error.message, hint: error.hint };
};
// As a JavaScript caller, or a TypeScript one with `as any`, passes them.
const loose = <T>(value: unknown): T => value as T;

beforeAll(async () => {
  server = await startTestServer();
  home = mkdtempSync(join(tmpdir(), "mmn-arguments-"));
  process.env.HOME = home;
  process.chdir(home);
  for (const name of Object.keys(process.env)) if (name.startsWith("MMN_")) delete process.env[name];
});
afterAll(() => {
  process.env.HOME = saved.HOME;
  process.chdir(saved.cwd);
  return server.close();
});
beforeEach(() => server.reset());

describe("Python's keyword names are refused with the TypeScript name, nothing sent", () => {
  test("wakeup({ always_send_to_user }) names alwaysSendToUser", async () => {
    expect(await refusal(() => wakeup(loose({ config: config(), always_send_to_user: "alice" })))).toEqual({
      kind: "UsageError",
      message: "wakeup takes alwaysSendToUser, not always_send_to_user",
      hint: 'wakeup({ alwaysSendToUser: "alice" })',
    });
    expect((await refusal(() => wakeup(loose({ config: config(), client: { timeout_ms: 5 } })))).message).toBe(
      "wakeup({ client }) takes timeoutMs, not timeout_ms",
    );
    expect(server.requests).toEqual([]);
  });

  test('notifyUser("hi", { user_name }) says the user is the second argument', async () => {
    await wakeup({ config: config(), alwaysSendToUser: "alice" });
    expect(await refusal(() => notifyUser("hi", loose({ user_name: "bob" })))).toEqual({
      kind: "UsageError",
      message: "notifyUser takes the user as its second argument, not user_name",
      hint: 'notifyUser(message, "alice", { files, id })',
    });
    expect((await refusal(() => notifyUser("hi", loose({ user: "bob" })))).message).toBe(
      "notifyUser takes the user as its second argument, not user",
    );
    expect((await refusal(() => notifyChannel("hi", loose({ channel_name: "town-square" })))).message).toBe(
      "notifyChannel takes the channel as its second argument, not channel_name",
    );
    expect((await refusal(() => notify("hi", loose({ channel_name: "town-square" })))).message).toBe(
      "notify takes channel, not channel_name",
    );
    expect(posts()).toEqual([]);
  });

  test("every options object of the Notify class too; a key that means nothing is named", async () => {
    expect(await refusal(() => new Notify(loose({ ...config(), max_message_runes: 100 })))).toEqual({
      kind: "ConfigError",
      message: "Notify takes maxMessageRunes, not max_message_runes",
      hint: "new Notify({ url, token, team })",
    });
    expect((await refusal(() => client().sendToUser("hi", "alice", loose({ root_id: "x" })))).message).toBe(
      "sendToUser takes rootId, not root_id",
    );
    expect((await refusal(() => client().sendToChannel("hi", "town-square", loose({ fils: ["a"] })))).message).toBe(
      'sendToChannel: unknown option "fils"',
    );
    expect((await refusal(() => client().deliver("hi", loose({ to: { user_name: "alice" } })))).message).toBe(
      "deliver({ to }) takes user, not user_name",
    );
    expect((await refusal(() => sendUpdate("hi", loose({ id: "x", file_paths: ["a"] })))).message).toBe(
      "sendUpdate takes files, not file_paths",
    );
    expect((await refusal(() => loadConfig(loose({ config_file: "x" })))).message).toBe(
      "loadConfig takes configFile, not config_file",
    );
    expect(posts()).toEqual([]);
  });
});

describe("arguments of the wrong kind say which and what to write", () => {
  test('sendUpdate("x done", "x") names the id it was given and the call to write', async () => {
    await wakeup({ config: config(), alwaysSendToUser: "alice" });
    await notifyUser("x running", { id: "x" });
    server.reset();
    const expected = {
      kind: "UsageError",
      message: 'sendUpdate(message, "x"): the id goes in the options object',
      hint: 'sendUpdate(message, { id: "x" })',
    };
    expect(await refusal(() => sendUpdate("x done", loose("x")))).toEqual(expected);
    expect(await refusal(() => client().sendUpdate("x done", loose("x")))).toEqual(expected);
    expect((await refusal(() => sendUpdate("x done", loose({})))).message).toBe(
      "sendUpdate needs the id of the message to edit, as { id }",
    );
    expect(server.requests).toEqual([]);
  });

  test("a message that is no string is a UsageError naming the argument, not a raw TypeError", async () => {
    await wakeup({ config: config(), alwaysSendToUser: "alice" });
    expect(await refusal(() => notifyUser(loose(42)))).toEqual({
      kind: "UsageError",
      message: "notifyUser: the message must be a string, not the number 42",
      hint: "pass text: String(value), or JSON.stringify(value, null, 2) for an object",
    });
    expect((await refusal(() => notify(loose({ text: "hi" }), { user: "alice" }))).message).toBe(
      "notify: the message must be a string, not an object",
    );
    expect((await refusal(() => client().sendToUser(loose(undefined), "alice"))).message).toBe(
      "sendToUser: the message must be a string, not undefined",
    );
    expect((await refusal(() => notifyUser("hi", loose(7)))).message).toBe(
      "notifyUser: the user must be a name (a string), not the number 7",
    );
    expect(posts()).toEqual([]);
  });

  test('files: "plot.png" is one file, named plot.png; a file that is no path says so', async () => {
    const plot = join(home, "plot.png");
    writeFileSync(plot, "PNG");
    await wakeup({ config: config(), alwaysSendToUser: "alice" });
    const post = await notifyUser("the plot", { files: plot });
    const sent = await client().sendToChannel("the plot", "town-square", { files: { path: plot, name: "fig.png" } });
    const names = [post, sent].map((p) =>
      server.posts.get(p.id)?.file_ids?.map((id) => server.files.get(id)?.info.name),
    );
    expect(names).toEqual([["plot.png"], ["fig.png"]]);
    expect(server.files.get(server.posts.get(post.id)!.file_ids![0]!)?.content.toString()).toBe("PNG");
    server.reset();
    expect((await refusal(() => notifyUser("hi", { files: loose([42]) }))).message).toBe(
      "cannot attach the number 42: a file is a path, or { path, name }",
    );
    expect(posts()).toEqual([]);
  });
});
