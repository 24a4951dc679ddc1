import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AfterSendError, ConfigError, exitCodeOf, Notify, ServerError, UsageError } from "../../src/index.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let dir: string;
const client = (extra: Partial<ConstructorParameters<typeof Notify>[0]> = {}) =>
  new Notify({ url: server.url, token: server.token, team: "research", ...extra });
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const apiCalls = () => server.requests.map((r) => `${r.method} ${r.path.replace("/api/v4", "")}`);

beforeAll(async () => {
  server = await startTestServer({ maxFileSize: 1024 * 1024 });
  dir = mkdtempSync(join(tmpdir(), "mmn-lib-"));
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe("sending", () => {
  test("a DM opens the channel between the token's own user and the recipient", async () => {
    const post = await client().sendToUser("Hello World!", "alice");
    const dm = server.dmChannelWith(server.users.alice.id)!;
    expect(post.channel_id).toBe(dm.id);
    expect(dm.name).toBe([server.bot.id, server.users.alice.id].sort().join("__"));
    expect(server.posts.get(post.id)?.message).toBe("Hello World!");
    const open = server.requests.find((r) => r.path === "/api/v4/channels/direct")!;
    expect(open.body).toEqual([server.bot.id, server.users.alice.id]);
    expect(open.headers.authorization).toBe(`Bearer ${server.token}`);
    expect(open.headers["user-agent"]).toMatch(/^mmn\/\d+\.\d+\.\d+/);
  });

  test("the url as people write it: a pasted …/api/v4/ works, what is no http(s) URL is a ConfigError", async () => {
    const post = await client({ url: `${server.url}/api/v4/` }).sendToUser("via api/v4", "alice");
    expect(server.posts.get(post.id)?.message).toBe("via api/v4");
    expect(() => client({ url: "ftp://chat.example.org" })).toThrow(ConfigError);
  });

  test("a token with a character a header cannot carry is a ConfigError at once, not a network failure", () => {
    const token = `${server.token.slice(0, 5)}\u00a0${server.token.slice(5)}`;
    expect(() => client({ token })).toThrow(
      new ConfigError("the token holds an invisible character (U+00A0) at position 6, which no token has"),
    );
    expect(() => client({ token: `${server.token}é` })).toThrow(/a character outside ASCII \(U\+00E9\) at position 27/);
    expect(client({ token: ` ${server.token}\n` })).toBeInstanceOf(Notify);
    expect(server.requests).toEqual([]);
  });

  test("@ and ~ prefixes are accepted; channels need the team", async () => {
    const post = await client().sendToChannel("to the channel", "~town-square");
    expect(post.channel_id).toBe(server.channels.townSquare.id);
    await client().sendToUser("x", "@bob");
    expect(server.dmChannelWith(server.users.bob.id)).toBeDefined();
    await expect(client({ team: undefined }).sendToChannel("x", "town-square")).rejects.toThrow(ConfigError);
    const other = await client({ team: undefined }).sendToChannel("x", "research/general");
    expect(other.channel_id).toBe(server.channels.general.id);
  });

  test("files go up before the post, channel_id first, and ride on the post", async () => {
    const a = file("a.txt", "alpha");
    const b = file("b.bin", new Uint8Array([0, 1, 2, 255]));
    const post = await client().sendToChannel("with files", "town-square", {
      files: [a, { path: b, name: "renamed.bin" }],
    });
    const upload = server.requests.find((r) => r.path === "/api/v4/files")!;
    expect(upload.multipart?.order).toEqual(["channel_id", "files", "files"]);
    expect(upload.multipart?.files.map((f) => f.filename)).toEqual(["a.txt", "renamed.bin"]);
    expect(post.file_ids).toHaveLength(2);
    const contents = post.file_ids!.map((id) => server.files.get(id)!.content);
    expect(contents[0]!.toString()).toBe("alpha");
    expect([...contents[1]!]).toEqual([0, 1, 2, 255]);
    expect(apiCalls().indexOf("POST /files")).toBeLessThan(apiCalls().indexOf("POST /posts"));
  });

  test("more than 10 files: the rest follow in the same thread", async () => {
    const paths = Array.from({ length: 23 }, (_, i) => file(`f${i}.txt`, `file ${i}`));
    const post = await client().sendToChannel("many files", "town-square", { files: paths });
    const posts = server.postsIn(server.channels.townSquare.id);
    expect(posts.map((p) => p.file_ids?.length ?? 0)).toEqual([10, 10, 3]);
    expect(posts.slice(1).every((p) => p.root_id === post.id)).toBe(true);
    const names = posts.flatMap((p) => p.file_ids!.map((id) => server.files.get(id)!.info.name));
    expect(names).toEqual(paths.map((_, i) => `f${i}.txt`));
  });

  test("a message over 16383 characters is split into thread replies, nothing lost", async () => {
    const lines = Array.from({ length: 4000 }, (_, i) => `line ${i}: ${"é".repeat(i % 7)}`);
    const text = lines.join("\n");
    expect(Array.from(text).length).toBeGreaterThan(16383 * 2);
    const post = await client().sendToUser(text, "alice");
    const posts = server.postsIn(post.channel_id);
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect(posts.slice(1).every((p) => p.root_id === post.id)).toBe(true);
    expect(posts.map((p) => p.message).join("")).toBe(text);
  });

  test("more than four posts' worth: one post, its beginning and a note, with the whole attached as message.txt", async () => {
    const text = Array.from({ length: 15_000 }, (_, i) => `line ${i} ${"x".repeat(40)}`).join("\n");
    expect(text.length).toBeGreaterThan(4 * 16383);
    const notify = client();
    const post = await notify.sendToUser(text, "alice", { id: "long" });
    const dm = server.postsIn(post.channel_id);
    expect(dm).toHaveLength(1);
    const { message, file_ids } = server.posts.get(post.id)!;
    expect(Array.from(message).length).toBeLessThanOrEqual(16383);
    expect(text.startsWith(message.slice(0, message.indexOf("\n\n_(")))).toBe(true);
    expect(message).toEndWith(
      "\n\n_(the message has 751 KiB: above is its beginning, and all of it is attached as message.txt)_",
    );
    const file = server.files.get(file_ids![0]!)!;
    expect([file.info.name, file.content.toString() === text]).toEqual(["message.txt", true]);
    // An edit as long: the edit is the beginning, the whole goes to its thread.
    await notify.sendUpdate(`${text}\nend`, { id: "long" });
    const [edited, reply] = server.postsIn(post.channel_id);
    expect(edited?.message).toBe(message);
    expect(reply?.root_id).toBe(post.id);
    expect(server.files.get(reply!.file_ids![0]!)?.content.toString()).toBe(`${text}\nend`);
  });

  test("a long message over MaxFileSize: its beginning goes, saying the whole was not attached; an AfterSendError", async () => {
    const text = "y".repeat(2 * 1024 * 1024);
    const error = await client()
      .sendToUser(text, "alice")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AfterSendError);
    const posts = server.postsIn(server.dmChannelWith(server.users.alice.id)!.id);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.message).toEndWith(
      "_(not attached: message.txt (2.0 MiB); the server takes files up to 1.0 MiB)_",
    );
    expect(server.files.size).toBe(0);
  });

  test("the bound is four posts: 4 × maxMessageRunes is split into the thread, one more rune is attached", async () => {
    const small = client({ maxMessageRunes: 1000 });
    const four = "é".repeat(4000);
    const split = await small.sendToChannel(four, "town-square");
    const thread = server.postsIn(split.channel_id);
    expect(thread.map((p) => p.message).join("")).toBe(four);
    expect(thread.every((p) => !p.file_ids?.length)).toBe(true);
    server.reset();
    const one = await small.sendToChannel(`${four}é`, "town-square");
    expect(server.postsIn(one.channel_id)).toHaveLength(1);
    expect(server.files.get(server.posts.get(one.id)!.file_ids![0]!)?.content.toString()).toBe(`${four}é`);
  });

  test("a missing file is refused before anything is sent", async () => {
    await expect(client().sendToUser("x", "alice", { files: [join(dir, "nope.txt")] })).rejects.toThrow(
      /cannot attach .*nope.txt: no such file/,
    );
    await expect(client().sendToUser("x", "alice", { files: [dir] })).rejects.toThrow(/not a regular file/);
    expect(server.requests).toHaveLength(0);
  });

  test("a file over MaxFileSize: the message goes without it and says so; an AfterSendError names the post", async () => {
    const big = file("big.bin", new Uint8Array(1024 * 1024 + 1));
    const error = await client()
      .sendToChannel("x", "town-square", { files: [big] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AfterSendError);
    const { post, cause } = error as AfterSendError;
    expect((cause as ServerError).status).toBe(413);
    expect((cause as Error).message).toBe("big.bin (1.0 MiB) was not attached: the server takes files up to 1.0 MiB");
    expect(server.posts.get(post.id)!.message).toBe(
      "x\n_(not attached: big.bin (1.0 MiB); the server takes files up to 1.0 MiB)_",
    );
  });

  test('with oversized: "fail", a file over MaxFileSize sends nothing', async () => {
    const big = file("big2.bin", new Uint8Array(1024 * 1024 + 1));
    const error = await client()
      .sendToChannel("x", "town-square", { files: [big], oversized: "fail" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).status).toBe(413);
    expect(server.posts.size).toBe(0);
  });

  test("a large upload is streamed: contents arrive intact", async () => {
    const data = new Uint8Array(900 * 1024).map((_, i) => (i * 7) % 251);
    const path = file("stream.bin", data);
    const post = await client().sendToUser("", "alice", { files: [path] });
    expect(server.files.get(post.file_ids![0]!)!.content.equals(Buffer.from(data))).toBe(true);
  });

  test("an empty message with no file is refused", async () => {
    await expect(client().sendToUser("  ", "alice")).rejects.toThrow(UsageError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("errors carry what the server said", () => {
  test("unknown user, team, channel", async () => {
    await expect(client().sendToUser("x", "nobody")).rejects.toThrow("no user named @nobody on this server");
    await expect(client({ team: "nope" }).sendToChannel("x", "town-square")).rejects.toThrow(
      /no channel ~town-square in team nope/,
    );
    await expect(client().sendToChannel("x", "nope")).rejects.toThrow(/no channel ~nope in team research/);
  });

  test("a private channel the bot is not in looks missing; a public one it is not in is a permission error", async () => {
    await expect(client().sendToChannel("x", "secret")).rejects.toThrow(/no channel ~secret/);
    const error = (await client()
      .sendToChannel("x", "no-bot")
      .catch((e: unknown) => e)) as ServerError;
    expect(error.status).toBe(403);
    expect(error.serverId).toBe("api.context.permissions.app_error");
    expect(error.message).toContain("the bot may not post in ~no-bot");
    expect(error.hint).toContain("/invite @notify-bot");
  });

  test("a bad token is a ServerError whose exit code is configuration's, and the token is nowhere in it", async () => {
    const secret = "wrong-token-0123456789abcdef";
    const error = (await client({ token: secret })
      .sendToUser("x", "alice")
      .catch((e: unknown) => e)) as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect(error.status).toBe(401);
    expect(exitCodeOf(error)).toBe(3);
    expect(error.message).toContain("HTTP 401");
    expect(JSON.stringify({ m: error.message, h: error.hint, s: String(error.stack) })).not.toContain(secret);
  });
});

describe("updates by id", () => {
  test("deliver() with one id from many calls at once: one message, edited by the others, appends all kept", async () => {
    const notify = client();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => notify.deliver(`v${i}`, { to: { user: "alice" }, id: "shared" })),
    );
    expect(results.filter((r) => r.action === "sent")).toHaveLength(1);
    expect(new Set(results.map((r) => r.post.id)).size).toBe(1);
    expect(server.posts.size).toBe(1);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => notify.sendUpdate(`line ${i}`, { id: "shared", append: true })),
    );
    expect([...server.posts.values()][0]!.message.split("\n")).toHaveLength(11);
  });

  test("sendUpdate edits the message the id names; the card can change colour", async () => {
    const notify = client();
    const sent = await notify.sendToUser("running", "alice", {
      id: "job-1",
      props: { attachments: [{ color: "warning", text: "…" }] },
    });
    const updated = await notify.sendUpdate("done", {
      id: "job-1",
      props: { attachments: [{ color: "good", text: "ok" }] },
    });
    expect(updated.id).toBe(sent.id);
    const patch = server.requests.find((r) => r.method === "PUT")!;
    expect(patch.path).toBe(`/api/v4/posts/${sent.id}/patch`);
    expect(patch.body).toEqual({ message: "done", props: { attachments: [{ color: "good", text: "ok" }] } });
    expect(server.posts.get(sent.id)?.message).toBe("done");
  });

  test("append adds to what the server has", async () => {
    const notify = client();
    await notify.sendToChannel("line 1", "town-square", { id: "log" });
    await notify.sendUpdate("line 2", { id: "log", append: true });
    const [post] = server.postsIn(server.channels.townSquare.id);
    expect(post?.message).toBe("line 1\nline 2");
  });

  test("files on an update go to a reply in the thread", async () => {
    const notify = client();
    const sent = await notify.sendToUser("report", "alice", { id: "r" });
    await notify.sendUpdate("report (final)", { id: "r", files: [file("r.csv", "a,b\n")] });
    const posts = server.postsIn(sent.channel_id);
    expect(posts).toHaveLength(2);
    expect(posts[1]?.root_id).toBe(sent.id);
    expect(posts[1]?.file_ids).toHaveLength(1);
  });

  test("an unknown id is a clear error and nothing is sent", async () => {
    await expect(client().sendUpdate("x", { id: "never-sent" })).rejects.toThrow(
      'no message with id "never-sent" is known',
    );
    await expect(client().sendUpdate("x", { id: "../x" })).rejects.toThrow(UsageError);
    expect(server.requests).toHaveLength(0);
  });

  test("a hook survives a new session through a file, in the seed's format", async () => {
    const first = client();
    const sent = await first.sendToUser("Hello World!", "alice", { id: "my-test-message" });
    const path = join(dir, "my-test-message.msg");
    await first.writeMessageHookToFile("my-test-message", path);
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "[Mattermost-Notify Message Hook]",
      "my-test-message",
      sent.channel_id,
      sent.id,
    ]);
    expect(readFileSync(path, "utf8")).not.toContain(server.token);
    const other = client();
    await other.readMessageHookFromFile(path);
    await other.sendUpdate("Hello World! (updated)", { id: "my-test-message" });
    expect(server.posts.get(sent.id)?.message).toBe("Hello World! (updated)");
  });

  test("any id the Python package takes works in memory and in hook files: slashes, dots, spaces", async () => {
    const notify = client();
    const sent = await notify.sendToUser("v1", "alice", { id: "results/run 1" });
    const path = file(
      "python.msg",
      `[Mattermost-Notify Message Hook]\r\n../odd.id\r\n${sent.channel_id}\r\n${sent.id}\r\n`,
    );
    const hook = await notify.readMessageHookFromFile(path);
    expect(hook.id).toBe("../odd.id");
    await notify.sendUpdate("v2", { id: "../odd.id" });
    await notify.sendUpdate("v3", { id: "results/run 1" });
    expect(server.posts.get(sent.id)?.message).toBe("v3");
    await expect(notify.sendToUser("x", "alice", { id: "" })).rejects.toThrow("the message id is empty");
  });

  test("a post deleted on the server: the edit fails with the server's 403 explained", async () => {
    const notify = client();
    const sent = await notify.sendToUser("x", "alice", { id: "gone" });
    server.posts.delete(sent.id);
    const error = (await notify.sendUpdate("y", { id: "gone" }).catch((e: unknown) => e)) as ServerError;
    expect(error.status).toBe(403);
    expect(error.message).toContain('message "gone"');
    expect(error.hint).toBe("it was deleted, lives on another server, or the bot lost access to its channel");
  });

  test("a reply to a deleted message says which message is gone", async () => {
    const notify = client();
    const sent = await notify.sendToUser("x", "alice", { id: "deleted" });
    server.posts.delete(sent.id);
    const error = (await notify.reply("y", { to: "deleted" }).catch((e: unknown) => e)) as ServerError;
    expect(error.message).toBe(
      `message "deleted" (post ${sent.id}) cannot be answered: Invalid RootId parameter. (HTTP 400)`,
    );
    expect(error.hint).toBe("it was deleted, lives on another server, or the bot lost access to its channel");
  });

  test("a hook from another server: the failed edit says which server it came from", async () => {
    const path = file(
      "elsewhere.msg",
      `[Mattermost-Notify Message Hook]\nelsewhere\n${"c".repeat(26)}\n${"p".repeat(26)}\n{"server":"https://chat.other.org"}`,
    );
    const notify = client();
    await notify.readMessageHookFromFile(path);
    const error = (await notify.sendUpdate("y", { id: "elsewhere" }).catch((e: unknown) => e)) as ServerError;
    expect(error.hint).toBe(`it was sent through https://chat.other.org, and this client talks to ${server.url}`);
  });

  test("reply posts in the thread and can be remembered under its own id", async () => {
    const notify = client();
    const root = await notify.sendToChannel("root", "general", { id: "root" });
    const reply = await notify.reply("child", { to: "root", id: "child" });
    expect(reply.root_id).toBe(root.id);
    await notify.sendUpdate("child (edited)", { id: "child" });
    expect(server.posts.get(reply.id)?.message).toBe("child (edited)");
  });
});
