import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { outputOf } from "../helpers/output.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

/** Root reads and writes every file: permission checks need an ordinary user. */
const canDropRoot = process.getuid?.() === 0 && Bun.which("setpriv") !== null;

/** mmn as the user nobody, in a sandbox opened up for it: configured by the environment, not root's 0600 file. */
async function asNobody(box: Sandbox, args: string[], env: Record<string, string> = {}) {
  for (const dir of [box.home, box.cwd]) chmodSync(dir, 0o755);
  rmSync(join(box.home, ".mmnrc"));
  const nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"];
  const proc = Bun.spawn([...nobody, ...MMN, ...args], {
    cwd: box.cwd,
    env: { ...box.env, MMN_URL: server.url, MMN_TOKEN: server.token, MMN_TEAM: "research", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, code } = await outputOf(proc);
  expect(stdout + stderr).not.toContain(server.token);
  return { stdout, stderr, code };
}

let server: TestServer;
let box: Sandbox;
const calls = () => server.requests.map((r) => `${r.method} ${r.path.replace("/api/v4", "")}`);

beforeAll(async () => {
  server = await startTestServer({ maxFileSize: 512 * 1024 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  box = sandbox(server);
});

describe("mmn send", () => {
  test("a DM with two files (-f repeated), one post", async () => {
    const a = box.write("a.txt", "alpha\n");
    const b = box.write("b.txt", "beta\n");
    const r = await mmn(box, ["send", "hi", "-u", "alice", "-f", a, "-f", b]);
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(r.stderr).toMatch(/^✔ sent \(post [a-z0-9]{26}\)\n$/);
    const [post] = server.postsIn(server.dmChannelWith(server.users.alice.id)!.id);
    expect(post?.message).toBe("hi");
    expect(post?.file_ids?.map((id) => server.files.get(id)!.info.name)).toEqual(["a.txt", "b.txt"]);
  });

  test("an upload answered with more file ids than files sent: an unexpected reply, and no post", async () => {
    const a = box.write("a.txt", "alpha\n");
    const infos = Array.from({ length: 11 }, (_, i) => ({ id: `fake${String(i).padStart(22, "0")}` }));
    server.fault({ kind: "status", status: 201, method: "POST", path: "/api/v4/files", body: { file_infos: infos } });
    const r = await mmn(box, ["send", "hi", "-u", "alice", "-f", a]);
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith("error: unexpected reply from the server (HTTP 201): 11 file ids for 1 file sent\n");
    expect(calls()).not.toContain("POST /posts");
  });

  test("--json prints one object on stdout", async () => {
    const r = await mmn(box, ["send", "hi", "-c", "town-square", "--id", "j1", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const post = server.postsIn(server.channels.townSquare.id)[0]!;
    expect(out).toEqual({
      id: "j1",
      post_id: post.id,
      channel_id: server.channels.townSquare.id,
      root_id: null,
      action: "sent",
    });
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
  });

  test("the message from stdin, with - or piped", async () => {
    await mmn(box, ["send", "-", "-u", "alice"], { stdin: "from stdin\nline 2\n" });
    await mmn(box, ["send", "-u", "bob"], { stdin: "piped" });
    expect(server.postsIn(server.dmChannelWith(server.users.alice.id)!.id)[0]?.message).toBe("from stdin\nline 2");
    expect(server.postsIn(server.dmChannelWith(server.users.bob.id)!.id)[0]?.message).toBe("piped");
  });

  test("the configured default user is used when no target is given", async () => {
    const withDefault = sandbox(server, { user: "bob" });
    expect((await mmn(withDefault, ["send", "to the default"])).code).toBe(0);
    expect(server.postsIn(server.dmChannelWith(server.users.bob.id)!.id)[0]?.message).toBe("to the default");
  });

  test("names as people write them: @Alice, ~General and research/~general are found", async () => {
    for (const args of [
      ["-u", "@Alice"],
      ["-c", "~General"],
      ["-c", "Research/~general"],
    ]) {
      expect((await mmn(box, ["send", `to ${args[1]}`, ...args])).code).toBe(0);
    }
    expect(server.postsIn(server.dmChannelWith(server.users.alice.id)!.id).map((p) => p.message)).toEqual([
      "to @Alice",
    ]);
    expect(server.postsIn(server.channels.general.id).map((p) => p.message)).toEqual([
      "to ~General",
      "to Research/~general",
    ]);
    const display = await mmn(box, ["send", "x", "-c", "Town Square"]);
    expect(display).toMatchObject({
      code: 2,
      stderr:
        'error: "Town Square" is a display name, not a channel name\nhint: use the name in the channel\'s URL, like town-square\n',
    });
    const rows: Array<[string[], string]> = [
      [["-c", "@alice"], "error: @alice is a user, not a channel\nhint: send to a user with -u alice\n"],
      [
        ["-c", "/general"],
        'error: "/general" is not a channel name\nhint: write the channel as its URL shows it (town-square), or team/channel for another team\n',
      ],
      [
        ["-c", "my team/general"],
        'error: "my team" is not a team name\nhint: write the team as its URL shows it (the part before /channels/)\n',
      ],
      [
        ["-u", "Alice Smith"],
        `error: "Alice Smith" is not a username\nhint: a username has letters, digits, '.', '_' and '-' only: the name after @ in Mattermost, not the display name\n`,
      ],
    ];
    for (const [args, stderr] of rows)
      expect(await mmn(box, ["send", "x", ...args])).toMatchObject({ code: 2, stderr });
    expect(server.requests.filter((q) => q.path === "/api/v4/posts")).toHaveLength(3);
    // A team configured as its display name spells: Research.
    expect((await mmn(sandbox(server, { team: "Research" }), ["send", "to the team", "-c", "general"])).code).toBe(0);
  });

  test("a repeated send to the same user costs exactly one request", async () => {
    await mmn(box, ["send", "first", "-u", "alice"]);
    server.requests.length = 0;
    const r = await mmn(box, ["send", "second", "-u", "alice"]);
    expect(r.code).toBe(0);
    expect(calls()).toEqual(["POST /posts"]);
  });

  test("a repeated send to a channel, too; a stale cache entry is refreshed once", async () => {
    await mmn(box, ["send", "first", "-c", "general"]);
    server.requests.length = 0;
    await mmn(box, ["send", "second", "-c", "general"]);
    expect(calls()).toEqual(["POST /posts"]);
    const cache = join(box.home, ".local/state/mmn/names.json");
    const entries = JSON.parse(readFileSync(cache, "utf8"));
    for (const key of Object.keys(entries)) entries[key] = "stale0000000000000000000000";
    await Bun.write(cache, JSON.stringify(entries));
    server.requests.length = 0;
    expect((await mmn(box, ["send", "third", "-c", "general"])).code).toBe(0);
    expect(calls()).toEqual(["POST /posts", "GET /teams/name/research/channels/name/general", "POST /posts"]);
    expect(server.postsIn(server.channels.general.id).map((p) => p.message)).toEqual(["first", "second", "third"]);
  });

  test("--id twice: the second send updates the first message (the seed's rule)", async () => {
    await mmn(box, ["send", "running", "-u", "alice", "--id", "job-7"]);
    const r = await mmn(box, ["send", "done", "--id", "job-7", "--json"]);
    expect(JSON.parse(r.stdout).action).toBe("updated");
    const posts = server.postsIn(server.dmChannelWith(server.users.alice.id)!.id);
    expect(posts.map((p) => p.message)).toEqual(["done"]);
    expect(existsSync(join(box.home, ".local/state/mmn/hooks/job-7.msg"))).toBe(true);
  });

  test("-s writes a hook file the seed can read, and --reply-to answers in the thread", async () => {
    const hookFile = join(box.cwd, "job.msg");
    const r = await mmn(box, ["send", "root", "-c", "town-square", "--id", "root", "-s", hookFile]);
    expect(r.code).toBe(0);
    const lines = readFileSync(hookFile, "utf8").split("\n");
    const root = server.postsIn(server.channels.townSquare.id)[0]!;
    expect(lines.slice(0, 4)).toEqual(["[Mattermost-Notify Message Hook]", "root", root.channel_id, root.id]);
    expect(readFileSync(hookFile, "utf8")).not.toContain(server.token);
    expect((await mmn(box, ["send", "reply", "--reply-to", "root"])).code).toBe(0);
    expect(server.postsIn(server.channels.townSquare.id)[1]?.root_id).toBe(root.id);
  });

  test("a hook file that cannot be written: exit 2 before sending", async () => {
    for (const [path, reason] of [
      [box.cwd, "it is a directory"],
      [join(box.cwd, "nodir/x.msg"), `${join(box.cwd, "nodir")}: no such file or directory`],
    ] as const) {
      const r = await mmn(box, ["send", "x", "-u", "alice", "-s", path]);
      expect(r).toMatchObject({
        code: 2,
        stdout: "",
        stderr: `error: cannot write the hook file ${path}: ${reason}\n`,
      });
    }
    expect(server.requests).toEqual([]);
  });

  test.if(canDropRoot)(
    "a hook store that is read-only: the id cannot be held, exit 2 before anything is sent",
    async () => {
      const store = join(box.cwd, "hooks");
      mkdirSync(store, { mode: 0o555 });
      const r = await asNobody(box, ["send", "x", "-u", "alice", "--id", "kept", "--json"], { MMN_HOOK_DIR: store });
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, exit: 2 });
      expect(r.stderr).toStartWith(
        `error: cannot lock message id "kept" (${store}/kept.msg.lock): permission denied\n`,
      );
      expect(server.posts.size).toBe(0);
    },
  );

  test("a message over 16383 characters is delivered in the thread, not refused", async () => {
    const text = Array.from({ length: 3000 }, (_, i) => `row ${i} ${"x".repeat(10)}`).join("\n");
    const r = await mmn(box, ["send", "-u", "alice"], { stdin: text });
    expect(r.code).toBe(0);
    const posts = server.postsIn(server.dmChannelWith(server.users.alice.id)!.id);
    expect(posts.length).toBeGreaterThan(1);
    expect(posts.map((p) => p.message).join("")).toBe(text);
  });
});

describe("mmn send: bad input, nothing sent", () => {
  const rows: Array<[string, string[], number, RegExp]> = [
    [
      "an id with a slash",
      ["send", "x", "-u", "alice", "--id", "a/b"],
      2,
      /invalid message id "a\/b": it contains a slash/,
    ],
    ["an id with ..", ["send", "x", "-u", "alice", "--id", "../x"], 2, /invalid message id/],
    [
      "a missing file",
      ["send", "x", "-u", "alice", "-f", "/nonexistent/f.txt"],
      2,
      /cannot attach \/nonexistent\/f.txt: no such file/,
    ],
    ["a file with an empty name", ["send", "x", "-u", "alice", "-f", ""], 2, /cannot attach a file with an empty name/],
    ["both -u and -c", ["send", "x", "-u", "alice", "-c", "general"], 2, /give -u\/--user or -c\/--channel, not both/],
    ["an unknown flag", ["send", "x", "-u", "alice", "--colour", "red"], 2, /unknown option --colour/],
    ["a flag without its value", ["send", "x", "--id"], 2, /--id needs a value/],
    ["no recipient", ["send", "x"], 2, /no recipient/],
    ["an unquoted message", ["send", "two", "words", "-u", "alice"], 2, /expected one message, got 2/],
    ["an unknown command", ["sned", "x"], 2, /unknown command "sned"/],
  ];
  for (const [name, args, code, message] of rows) {
    test(name, async () => {
      const r = await mmn(box, args);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
      expect(server.requests.filter((q) => q.method !== "GET")).toEqual([]);
    });
  }

  test.if(canDropRoot)("an unreadable file: exit 2 before any request", async () => {
    const secret = box.write("secret.txt", "no\n");
    chmodSync(secret, 0o600);
    const r = await asNobody(box, ["send", "x", "-u", "alice", "-f", secret]);
    expect(r.stderr).toBe(`error: cannot attach ${secret}: permission denied\n`);
    expect(r.code).toBe(2);
    expect(server.requests).toEqual([]);
  });

  test("an unknown user: exit 1, the server's verdict in one line", async () => {
    const r = await mmn(box, ["send", "x", "-u", "nobody"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: no user named @nobody on this server\nhint: check the spelling: it is the username, not the display name\n",
    );
    expect(server.posts.size).toBe(0);
  });

  test("a channel the bot is not in: exit 1 and how to fix it", async () => {
    const r = await mmn(box, ["send", "x", "-c", "no-bot"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: the bot may not post in ~no-bot");
    expect(r.stderr).toContain("hint: add the bot to ~no-bot (in Mattermost: /invite @notify-bot)");
  });

  test("a bad token: exit 3, and the bad token is not shown either", async () => {
    const bad = "badtoken-abcdefghijklmnop";
    box.secrets.push(bad);
    const r = await mmn(box, ["send", "x", "-u", "alice"], { env: { MMN_TOKEN: bad } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("the server rejected the token");
  });

  test("no configuration at all: exit 3 and what to do", async () => {
    const empty = sandbox();
    const r = await mmn(empty, ["send", "x", "-u", "alice"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "error: no Mattermost server URL is configured\nhint: run `mmn setup`, or set MMN_URL and MMN_TOKEN\n",
    );
  });

  test("a file over the server's limit: the message goes with the files that fit, the post says which did not; exit 1", async () => {
    const big = box.write("big.bin", new Uint8Array(600 * 1024));
    const small = box.write("metrics.csv", "a,b\n");
    const r = await mmn(box, ["send", "done", "-u", "alice", "-f", small, "-f", big]);
    expect(r.code).toBe(1);
    const [post] = [...server.posts.values()];
    expect(r.stderr).toBe(
      `✔ sent (post ${post!.id})\nerror: the message was sent (post ${post!.id}), but big.bin (600 KiB) was not attached: the server takes files up to 512 KiB\n` +
        "hint: attach a smaller file, compress it, or ask the administrator about the upload limit (MaxFileSize)\n",
    );
    expect(post!.message).toBe("done\n_(not attached: big.bin (600 KiB); the server takes files up to 512 KiB)_");
    expect(post!.file_ids!.map((id) => server.files.get(id)!.info.name)).toEqual(["metrics.csv"]);
    // Its size was known before: not a byte of it was uploaded.
    expect(server.requests.filter((q) => q.path === "/api/v4/files")).toHaveLength(1);
    const json = await mmn(box, ["send", "done", "-u", "alice", "-f", big, "--json"]);
    expect(json.code).toBe(1);
    const second = [...server.posts.values()][1]!;
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      exit: 1,
      post_id: second.id,
      channel_id: second.channel_id,
    });
  });

  test("only a file over the limit and no text: exit 1, nothing posted", async () => {
    const big = box.write("big.bin", new Uint8Array(600 * 1024));
    const r = await mmn(box, ["send", "-u", "alice", "-f", big]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: big.bin (600 KiB) was not attached: the server takes files up to 512 KiB\n");
    expect(server.posts.size).toBe(0);
  });

  test("update with a file over the limit: the text is edited, the thread says what was left out; exit 1", async () => {
    await mmn(box, ["send", "v1", "-u", "alice", "--id", "big"]);
    const big = box.write("big.bin", new Uint8Array(600 * 1024));
    const r = await mmn(box, ["update", "--id", "big", "v2", "-f", big]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("big.bin (600 KiB) was not attached");
    expect([...server.posts.values()].map((p) => p.message)).toEqual([
      "v2",
      "_(big.bin (600 KiB) was not attached: the server takes files up to 512 KiB)_",
    ]);
  });

  test("a file that shrinks or goes away while it is sent: exit 2, said, not retried, nothing posted", async () => {
    const file = box.write("growing.log", new Uint8Array(100 * 1024));
    const held = server.hold("POST", "/api/v4/channels/direct");
    const run = mmn(box, ["send", "-u", "alice", "-f", file]);
    await held.arrived;
    Bun.spawnSync(["truncate", "-s", "10", file]);
    held.release();
    const r = await run;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: cannot attach ${file} shrank while it was being sent (10 B of 100 KiB)\n`);
    expect(server.requests.filter((q) => q.path === "/api/v4/files")).toHaveLength(1);
    expect(server.posts.size).toBe(0);
  });

  test("a server that is down: each wait told once; --quiet leaves only the error", async () => {
    // Pauses from 50 ms, not 200: the four waits (50 to 400 ms, each jittered by half) fit in 1.5 s as 200 ms ones did in 3 s.
    const env = { MMN_URL: "http://127.0.0.1:1", MMN_TEST_RETRY_BACKOFF_MS: "50" };
    const error =
      "error: could not reach 127.0.0.1:1: connection refused\nhint: check the URL and your network; behind a proxy, set HTTPS_PROXY or proxy=\n";
    const [loud, quiet] = await Promise.all([
      mmn(box, ["send", "x", "-u", "alice", "--timeout", "1.5", "--verbose"], { env }),
      mmn(box, ["send", "x", "-u", "alice", "-q", "--timeout", "1"], { env }),
    ]);
    expect(loud.code).toBe(1);
    const waits = loud.stderr
      .split("\n")
      .filter((line) => line.startsWith("warning: could not reach 127.0.0.1:1: connection refused; trying again in"));
    // Tried for as long as --timeout allows (it gave up after three repeats, 1 to 1.9 s); the
    // requests made side by side (the bot and the user looked up) wait together and say so once.
    const attempts = loud.stderr.split("\n").filter((line) => / → no answer /.test(line));
    expect(waits.length).toBeGreaterThanOrEqual(4);
    // Two requests per round, but the deadline may stop one of them before its last round.
    expect(attempts.length).toBeGreaterThanOrEqual(2 * waits.length - 2);
    expect(loud.stderr).toContain(error);
    expect(quiet).toMatchObject({ code: 1, stderr: error });
  });

  test("a server refusing for a while is outlasted: a send tries until its --timeout, not three times", async () => {
    await server.refuse();
    const proc = Bun.spawn([...MMN, "send", "back again", "-u", "alice"], {
      cwd: box.cwd,
      env: { ...box.env, MMN_TEST_RETRY_BACKOFF_MS: "5" },
      stdout: "pipe",
      stderr: "pipe",
    });
    // The server comes back after the sixth wait: twice the three tries a send made.
    let stderr = "";
    const decoder = new TextDecoder();
    const reader = proc.stderr.getReader();
    for (let back = false; ; ) {
      const { done, value } = await reader.read();
      if (done) break;
      stderr += decoder.decode(value);
      if (!back && stderr.split("trying again").length > 6) {
        back = true;
        await server.accept();
      }
    }
    const code = await proc.exited;
    await server.accept(); // when mmn gave up first
    expect(code).toBe(0);
    expect(stderr).toMatch(/✔ sent \(post [a-z0-9]{26}\)\n$/);
    const dm = server.dmChannelWith(server.users.alice.id);
    expect(server.postsIn(dm?.id ?? "").map((p) => p.message)).toEqual(["back again"]);
  });

  test("a proxy that is down is named as the culprit; one that is no URL is a configuration error", async () => {
    const down = await mmn(box, ["send", "x", "-u", "alice", "-q", "--timeout", "1"], {
      env: { HTTP_PROXY: "http://user:pw@127.0.0.1:9" },
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      "error: could not reach 127.0.0.1:" +
        new URL(server.url).port +
        " through the proxy 127.0.0.1:9: connection refused\n" +
        "hint: check the proxy http://127.0.0.1:9 (proxy=, MMN_PROXY, HTTPS_PROXY…) or leave the server out of it with NO_PROXY\n",
    );
    const bypassed = await mmn(box, ["send", "x", "-u", "alice"], {
      env: { HTTP_PROXY: "http://127.0.0.1:9", NO_PROXY: "127.0.0.1" },
    });
    expect(bypassed.code).toBe(0);
    const invalid = await mmn(box, ["send", "x", "-u", "alice"], { env: { MMN_PROXY: "not a url" } });
    expect(invalid).toMatchObject({ code: 3, stderr: 'error: invalid proxy "not a url": expected http://HOST:PORT\n' });
  });

  test("NO_PROXY with a port (host:port) is matched as Bun routes it: no proxy is blamed when none was used", async () => {
    const env = { MMN_URL: "http://127.0.0.1:1", HTTP_PROXY: "http://127.0.0.1:9" };
    const [direct, proxied] = await Promise.all([
      mmn(box, ["send", "x", "-u", "alice", "-q", "--timeout", "1"], { env: { ...env, NO_PROXY: "127.0.0.1:1" } }),
      mmn(box, ["send", "x", "-u", "alice", "-q", "--timeout", "1"], { env: { ...env, NO_PROXY: "127.0.0.1:2" } }),
    ]);
    expect(direct.stderr).toBe(
      "error: could not reach 127.0.0.1:1: connection refused\nhint: check the URL and your network; behind a proxy, set HTTPS_PROXY or proxy=\n",
    );
    expect(proxied.stderr).toStartWith(
      "error: could not reach 127.0.0.1:1 through the proxy 127.0.0.1:9: connection refused\n",
    );
    const port = new URL(server.url).port;
    const bypassed = await mmn(box, ["send", "x", "-u", "alice"], {
      env: { HTTP_PROXY: "http://127.0.0.1:9", NO_PROXY: `localhost:1,127.0.0.1:${port}` },
    });
    expect(bypassed.code).toBe(0);
  });

  test("--verbose shows each request path and status", async () => {
    const r = await mmn(box, ["send", "x", "-u", "nobody", "--verbose"]);
    expect(r.stderr).toMatch(/GET \/users\/username\/nobody → 404 \(\d+ ms\)/);
    expect(r.stderr).toMatch(/GET \/users\/username\/nobody → 404 app\.user\.get_by_username\.app_error/);
  });
});

describe("one --id shared by processes running at once", () => {
  test("50 sends of the same id at once: one post, the other 49 edit it, all exit 0", async () => {
    const runs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => mmn(box, ["send", `task ${i}`, "-u", "alice", "--id", "same"])),
    );
    expect(runs.map((r) => r.code)).toEqual(Array(50).fill(0));
    expect(server.posts.size).toBe(1);
    const [post] = [...server.posts.values()];
    expect(JSON.parse((await mmn(box, ["hook", "show", "same", "--json"])).stdout).post_id).toBe(post!.id);
    expect(runs.filter((r) => r.stderr.startsWith("✔ sent"))).toHaveLength(1);
    expect(runs.filter((r) => r.stderr.startsWith("✔ updated"))).toHaveLength(49);
  });

  test("20 appends at once keep all 20 lines", async () => {
    expect((await mmn(box, ["send", "log:", "-u", "alice", "--id", "appended"])).code).toBe(0);
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => mmn(box, ["update", "--id", "appended", "--append", `line ${i}`])),
    );
    expect(runs.map((r) => r.code)).toEqual(Array(20).fill(0));
    const [post] = [...server.posts.values()];
    const lines = post!.message.split("\n");
    expect(lines[0]).toBe("log:");
    expect(lines.slice(1).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}`).sort());
  });

  test("a lock left by an mmn that died is broken, not waited on for ever", async () => {
    const dir = join(box.home, ".local/state/mmn/hooks");
    mkdirSync(dir, { recursive: true });
    // A pid that cannot be running: above the kernel's pid_max.
    writeFileSync(join(dir, "left.msg.lock"), `99999999@${hostname()} 2026-01-01T00:00:00.000Z\n`);
    const r = await mmn(box, ["send", "hi", "-u", "alice", "--id", "left"]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "left.msg.lock"))).toBe(false);
  });
});
