// The Python package's functional API and its names, as a user porting their code writes them.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigError,
  Notify,
  notify,
  notifyChannel,
  notifyUser,
  sendUpdate,
  UsageError,
  type WakeupConfig,
  wakeup,
} from "../../src/index.ts";
import { outputOf } from "../helpers/output.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let home: string;
const saved = { HOME: process.env.HOME, cwd: process.cwd() };
const python = (): WakeupConfig => ({ url: server.url, team_name: "research", token: server.token });
const dmOf = (user: "alice" | "bob") => server.postsIn(server.dmChannelWith(server.users[user].id)?.id ?? "");
const meRequests = () => server.requests.filter((r) => r.path === "/api/v4/users/me").length;

beforeAll(async () => {
  server = await startTestServer();
  home = mkdtempSync(join(tmpdir(), "mmn-python-api-"));
  // wakeup() reads the configuration files: this user's, not the machine's.
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

describe("the functional API connects by itself, as the Python package's does", () => {
  test("notifyUser(message) before any wakeup(): the configuration's default user; calls at once share one client", async () => {
    writeFileSync(join(home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nteam=research\nuser=alice\n`, {
      mode: 0o600,
    });
    // A process of its own: no other test file's wakeup() may have run in it.
    const script = `
      import { notifyUser } from ${JSON.stringify(join(import.meta.dir, "../../src/index.ts"))};
      const [first, second] = await Promise.all([notifyUser("first, unwoken"), notifyUser("second, unwoken")]);
      console.log(first.channel_id === second.channel_id);`;
    const proc = Bun.spawn([process.execPath, "-e", script], {
      cwd: home,
      env: { HOME: home, PATH: process.env.PATH ?? "" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const { stdout, stderr, code } = await outputOf(proc);
    expect({ stdout, stderr, code }).toEqual({ stdout: "true\n", stderr: "", code: 0 });
    expect(
      dmOf("alice")
        .map((p) => p.message)
        .sort(),
    ).toEqual(["first, unwoken", "second, unwoken"]);
    expect(meRequests()).toBe(1);
    rmSync(join(home, ".mmnrc"));
  });
});

describe("wakeup({ config }) with the Python package's keys", () => {
  test("team_name is the team: a channel send finds it", async () => {
    rmSync(join(home, ".mmnrc"), { force: true });
    await wakeup({ config: python() });
    const post = await notifyChannel("Hello, World!", "town-square");
    expect(server.posts.get(post.id)?.channel_id).toBe(server.channels.townSquare.id);
  });

  test("a key that means nothing is refused, naming it, before anything is sent", async () => {
    const config = { ...python(), bot_name: "notify" } as WakeupConfig;
    await expect(wakeup({ config })).rejects.toThrow(new ConfigError('wakeup({ config }): unknown key "bot_name"'));
    expect(server.requests).toEqual([]);
  });
});

describe("notifyUser and notifyChannel without a name send to the default, as notify_user(message) does", () => {
  test("test_notify_with_standard_user: twice to alwaysSendToUser, files on the same post", async () => {
    await wakeup({ config: python(), alwaysSendToUser: "alice" });
    await notifyUser("Hello, World! once");
    const report = join(home, "report.txt");
    writeFileSync(report, "numbers\n");
    const twice = await notifyUser("Hello, World! twice", { files: [report] });
    expect(dmOf("alice").map((p) => p.message)).toEqual(["Hello, World! once", "Hello, World! twice"]);
    expect(server.posts.get(twice.id)?.file_ids).toHaveLength(1);
    await notifyUser("to bob by name", "bob");
    expect(dmOf("bob").map((p) => p.message)).toEqual(["to bob by name"]);
  });

  test("test_notify_with_standard_channel: twice to alwaysSendToChannel", async () => {
    await wakeup({ config: python(), alwaysSendToChannel: "town-square" });
    await notifyChannel("Hello, World! once");
    await notifyChannel("Hello, World! twice", undefined, { id: "twice" });
    expect(server.postsIn(server.channels.townSquare.id).map((p) => p.message)).toEqual([
      "Hello, World! once",
      "Hello, World! twice",
    ]);
    await sendUpdate("Hello, World! updated", { id: "twice" });
    expect(server.postsIn(server.channels.townSquare.id).at(-1)?.message).toBe("Hello, World! updated");
  });

  test("no name and no default: a UsageError that says how to give one; nothing is sent", async () => {
    await wakeup({ config: python(), alwaysSendToChannel: "town-square" });
    await expect(notifyUser("hi")).rejects.toThrow(new UsageError("no user given and no default user set"));
    await wakeup({ config: python(), alwaysSendToUser: "alice" });
    const error = await notifyChannel("hi").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).hint).toContain("wakeup({ alwaysSendToChannel })");
    await wakeup({ config: python() });
    await expect(notify("hi")).rejects.toThrow(UsageError);
    expect(server.requests.filter((r) => r.method === "POST")).toEqual([]);
  });
});

describe("the Notify class's Python names", () => {
  test("testConnection(): true when the server takes the token, false when it refuses it or cannot be reached", async () => {
    const client = (extra: Partial<ConstructorParameters<typeof Notify>[0]> = {}) =>
      new Notify({ url: server.url, token: server.token, team: "research", ...extra });
    expect(await client().testConnection()).toBe(true);
    expect(await client({ token: "wrong-token" }).testConnection()).toBe(false);
    expect(await client({ url: "http://127.0.0.1:9", retries: 0 }).testConnection()).toBe(false);
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /api/v4/users/me 200",
      "GET /api/v4/users/me 401",
    ]);
  });

  test("messageInCache(id): a message sent under the id, or whose hook was imported", async () => {
    const client = new Notify({ url: server.url, token: server.token });
    expect(await client.messageInCache("job")).toBe(false);
    await client.sendToUser("Hello", "alice", { id: "job" });
    expect(await client.messageInCache("job")).toBe(true);
    const hook = join(home, "job.msg");
    await client.writeMessageHookToFile("job", hook);
    const other = new Notify({ url: server.url, token: server.token });
    await other.readMessageHookFromFile(hook);
    expect(await other.messageInCache("job")).toBe(true);
  });

  test("new Notify({ team_name }) is refused at once, not at the first channel send", () => {
    const options = { url: server.url, token: server.token, team_name: "research" };
    expect(() => new Notify(options as ConstructorParameters<typeof Notify>[0])).toThrow(
      new ConfigError("Notify takes team, not team_name"),
    );
  });
});
