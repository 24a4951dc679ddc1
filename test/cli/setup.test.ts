import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mmn, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe("mmn setup (non-interactive)", () => {
  test("writes ~/.mmnrc with mode 0600 after checking the server; never prints the token", async () => {
    const fresh = sandbox();
    fresh.secrets.push(server.token);
    const r = await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: `${server.token}\n`,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("authenticated as @notify-bot (bot)");
    const path = join(fresh.home, ".mmnrc");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, "utf8");
    expect(text).toContain(`url=${server.url}\n`);
    expect(text).toContain(`token=${server.token}\n`);
    expect(text).toContain("team=research\n");
    expect(text).toContain("user=alice\n");
    expect((await mmn(fresh, ["send", "configured"])).code).toBe(0);
  });

  test("a bad token is one line, exit 3, nothing written", async () => {
    const fresh = sandbox();
    fresh.secrets.push("wrongwrongwrongwrong");
    const r = await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "--yes"], {
      stdin: "wrongwrongwrongwrong",
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("error: the server rejected the token");
    expect(() => statSync(join(fresh.home, ".mmnrc"))).toThrow();
  });

  test("an unknown team or missing token: exit 2", async () => {
    const fresh = sandbox();
    const team = await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "--team", "nope", "--yes"], {
      stdin: server.token,
    });
    expect(team.code).toBe(2);
    expect(team.stderr).toContain('the bot is not in a team named "nope"');
    const none = await mmn(fresh, ["setup", "--url", server.url, "--yes"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no token");
  });
});

describe("mmn setup refuses what would not work, and writes nothing", () => {
  const setup = (args: string[], stdin = server.token) => {
    const fresh = sandbox();
    return { fresh, run: mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "--yes", ...args], { stdin }) };
  };

  test("a default user that does not exist, or a channel without the bot: exit 2", async () => {
    const user = setup(["-u", "nobody"]);
    expect((await user.run).code).toBe(2);
    expect((await user.run).stderr).toContain("error: no user named @nobody on this server\n");
    const channel = setup(["-c", "no-bot"]);
    expect((await channel.run).code).toBe(2);
    expect((await channel.run).stderr).toContain(
      "error: the bot is not a member of ~no-bot: it could not post there\nhint: add it (in Mattermost: /invite @notify-bot)\n",
    );
    for (const { fresh } of [user, channel]) expect(() => statSync(join(fresh.home, ".mmnrc"))).toThrow();
    const ok = setup(["-c", "general"]);
    expect((await ok.run).stderr).toContain("✔ default recipient ~general can be reached\n");
  });

  test("an empty token file: exit 2, the configured token is kept", async () => {
    const box = sandbox(server);
    const before = readFileSync(join(box.home, ".mmnrc"), "utf8");
    const r = await mmn(box, ["setup", "--url", server.url, "--token-file", "-", "--yes"], { stdin: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toEndWith(" answers\nerror: the token file (stdin) is empty\n");
    expect(readFileSync(join(box.home, ".mmnrc"), "utf8")).toBe(before);
  });
});

describe("mmn setup and the files it finds", () => {
  test("a recipient from the environment is checked too: MMN_USER=nobody is exit 2, nothing written", async () => {
    const fresh = sandbox();
    const r = await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "--yes"], {
      stdin: server.token,
      env: { MMN_USER: "nobody" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: no user named @nobody on this server\n");
    expect(() => statSync(join(fresh.home, ".mmnrc"))).toThrow();
  });

  test("a symlinked ~/.mmnrc (a dotfile manager's) is written where it points, the link kept", async () => {
    const fresh = sandbox();
    const target = join(fresh.cwd, "dotfiles-mmnrc");
    writeFileSync(target, "");
    symlinkSync(target, join(fresh.home, ".mmnrc"));
    const r = await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: server.token,
    });
    expect(r.code).toBe(0);
    expect(lstatSync(join(fresh.home, ".mmnrc")).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toContain("user=alice\n");
  });
});

describe("mmn setup --config FILE", () => {
  test("creates the file it names, and MMN_CONFIG names it too", async () => {
    const fresh = sandbox();
    const file = join(fresh.cwd, "other.rc");
    const r = await mmn(
      fresh,
      ["--config", file, "setup", "--url", server.url, "--token-file", "-", "-u", "bob", "--yes"],
      { stdin: server.token },
    );
    expect(r.code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("user=bob\n");
    expect(() => statSync(join(fresh.home, ".mmnrc"))).toThrow();
    const fromEnvironment = join(fresh.cwd, "from-env.rc");
    const env = { MMN_URL: server.url, MMN_TOKEN: server.token, MMN_USER: "bob", MMN_TEAM: "research" };
    expect((await mmn(fresh, ["--config", fromEnvironment, "setup", "--yes"], { env })).code).toBe(0);
    expect(readFileSync(fromEnvironment, "utf8")).toContain(
      `url=${server.url}\ntoken=${server.token}\nteam=research\nuser=bob\n`,
    );
    const viaEnv = join(fresh.cwd, "env.rc");
    const e = await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: server.token,
      env: { MMN_CONFIG: viaEnv },
    });
    expect(e.code).toBe(0);
    expect(readFileSync(viaEnv, "utf8")).toContain("user=alice\n");
    writeFileSync(file, readFileSync(file, "utf8").replace("user=bob", "user=alice"));
    expect((await mmn(fresh, ["--config", file, "send", "via other.rc"])).code).toBe(0);
  });
});

describe("a personal token sending to its own user notifies nobody", () => {
  test("setup refuses it and says what to do; test fails its check", async () => {
    const fresh = sandbox();
    const personal = server.tokenFor(server.users.alice.id);
    fresh.secrets.push(personal);
    const r = await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: personal,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "error: @alice is the token's own user: Mattermost does not notify anyone of their own posts\nhint: use a bot account's token (Integrations → Bot Accounts), or send to another user or a channel\n",
    );
    expect(() => statSync(join(fresh.home, ".mmnrc"))).toThrow();
    writeFileSync(join(fresh.home, ".mmnrc"), `url=${server.url}\ntoken=${personal}\nuser=alice\n`, { mode: 0o600 });
    const checked = await mmn(fresh, ["test"]);
    expect(checked.code).toBe(3);
    expect(checked.stderr).toContain("✖ default user    @alice is the token's own user");
    // Another recipient is fine with the same token.
    expect(
      (await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "-u", "bob", "--yes"], { stdin: personal }))
        .code,
    ).toBe(0);
  });
});
