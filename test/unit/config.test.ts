import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText, requireConnection } from "../../src/config/config.ts";
import { loadConfig, userConfigPath } from "../../src/config/config-files.ts";
import { normalizeUrl } from "../../src/config/server-url.ts";
import { ConfigError, writeConfigFile } from "../../src/index.ts";

function dirs() {
  const root = mkdtempSync(join(tmpdir(), "mmn-config-"));
  const home = join(root, "home");
  const cwd = join(root, "work");
  mkdirSync(home);
  mkdirSync(cwd);
  return { root, home, cwd };
}

describe("parsing", () => {
  test("the seed's file with blank lines, spaces around =, = in a value and CRLF", () => {
    const text = "\r\nURL = https://chat.example.org \r\n\r\nTEAM_NAME=research\r\nTOKEN= abc=def==\r\n";
    expect(parseConfigText(text)).toEqual({ url: "https://chat.example.org", team: "research", token: "abc=def==" });
  });

  test("rc lines with comments, quotes and unknown keys", () => {
    const text = "# comment\nurl=\"https://x\"\nuser=alice\nunknown=1\nnot a line\nchannel = 'ops'\n";
    expect(parseConfigText(text)).toEqual({ url: "https://x", user: "alice", channel: "ops" });
  });
});

describe("precedence", () => {
  test("seed file in home < seed file in cwd < ~/.mmnrc < ./.mmnrc < env < overrides", async () => {
    const { home, cwd } = dirs();
    writeFileSync(join(home, ".mattermost_notify"), "URL=https://home-seed\nTEAM_NAME=t-home\nTOKEN=tok-home-seed\n");
    writeFileSync(join(cwd, ".mattermost_notify"), "URL=https://cwd-seed\n");
    writeFileSync(join(home, ".mmnrc"), "url=https://home-rc\nuser=alice\n");
    writeFileSync(join(cwd, ".mmnrc"), "user=bob\n");
    const env = { MMN_TEAM: "t-env" };
    const loaded = await loadConfig({ home, cwd, env, overrides: { proxy: "http://proxy:3128", user: undefined } });
    expect(loaded.config).toEqual({
      url: "https://home-rc",
      team: "t-env",
      token: "tok-home-seed",
      user: "bob",
      proxy: "http://proxy:3128",
    });
    expect(loaded.sources).toEqual({
      url: join(home, ".mmnrc"),
      team: "$MMN_TEAM",
      token: join(home, ".mattermost_notify"),
      user: join(cwd, ".mmnrc"),
      proxy: "--proxy",
    });
    expect(loaded.files).toHaveLength(4);
  });

  test("a file in the working directory names the server only for its own token (wakeup() reads the same way)", async () => {
    const { home, cwd } = dirs();
    writeFileSync(join(home, ".mmnrc"), "url=https://ours\ntoken=tok-home\n", { mode: 0o600 });
    writeFileSync(join(cwd, ".mmnrc"), "url=https://theirs\nproxy=http://theirs:3128\nca=/theirs.pem\nteam=t-cwd\n");
    const loaded = await loadConfig({ home, cwd, env: {} });
    expect(loaded.config).toEqual({ url: "https://ours", token: "tok-home", team: "t-cwd" });
    expect(loaded.warnings).toEqual([
      `${join(cwd, ".mmnrc")}: url=, proxy=, ca= ignored: a file in the working directory may name the server only for a token of its own, and the token comes from ${join(home, ".mmnrc")}`,
    ]);
    writeFileSync(join(cwd, ".mmnrc"), "url=https://project\ntoken=tok-project\n");
    expect((await loadConfig({ home, cwd, env: {} })).config).toEqual({ url: "https://project", token: "tok-project" });
    expect((await loadConfig({ home, cwd, env: { MMN_TOKEN: "tok-env" } })).config).toEqual({
      url: "https://ours",
      token: "tok-env",
    });
  });

  test.skipIf(process.geteuid?.() !== 0)(
    "another user's file in the working directory is ignored, with one warning",
    async () => {
      const { home, cwd } = dirs();
      const planted = join(cwd, ".mattermost_notify");
      writeFileSync(planted, "URL=https://theirs\nTOKEN=theirs\n");
      chownSync(planted, 4242, 4242);
      const loaded = await loadConfig({ home, cwd, env: {} });
      expect(loaded.config).toEqual({});
      expect(loaded.files).toEqual([]);
      expect(loaded.warnings).toEqual([`${planted} is ignored: owned by another user (uid 4242)`]);
    },
  );

  test("a project's ./.mattermost_notify holding a token is used whole, as the Python package uses it", async () => {
    const { home, cwd } = dirs();
    const project = join(cwd, ".mattermost_notify");
    writeFileSync(join(home, ".mmnrc"), "url=https://home\ntoken=tok-home\nteam=t-home\nuser=alice\n", { mode: 0o600 });
    writeFileSync(join(cwd, ".mmnrc"), "channel=ops\n");
    writeFileSync(project, "URL=https://project\nTOKEN=tok-project\nTEAM_NAME=t-project\n", { mode: 0o600 });
    const loaded = await loadConfig({ home, cwd, env: {} });
    expect(loaded.config).toEqual({ url: "https://project", token: "tok-project", team: "t-project" });
    expect(loaded.files).toEqual([project]);
    expect(loaded.warnings).toEqual([]);
    // The environment and flags still have the last word.
    expect((await loadConfig({ home, cwd, env: { MMN_TEAM: "t-env" }, overrides: { user: "bob" } })).config).toEqual({
      url: "https://project",
      token: "tok-project",
      team: "t-env",
      user: "bob",
    });
    // One that others can write is not the user's: ignored whole, with the warning, and the user's own files used.
    chmodSync(project, 0o666);
    const untrusted = await loadConfig({ home, cwd, env: {} });
    expect(untrusted.config).toEqual({ url: "https://home", token: "tok-home", team: "t-home", channel: "ops" });
    expect(untrusted.warnings).toEqual([`${project} is ignored: writable by other users (mode 0666)`]);
  });

  test("the default recipient is one setting: a later source naming a channel replaces a user", async () => {
    const { home, cwd } = dirs();
    writeFileSync(join(home, ".mmnrc"), "user=alice\n");
    expect((await loadConfig({ home, cwd, env: { MMN_CHANNEL: "general" } })).config).toEqual({ channel: "general" });
    expect((await loadConfig({ home, cwd, env: {}, overrides: { channel: "ops" } })).sources).toEqual({
      channel: "--channel",
    });
    writeFileSync(join(cwd, ".mmnrc"), "channel=ops\nuser=bob\n");
    expect((await loadConfig({ home, cwd, env: {} })).config).toEqual({ user: "bob", channel: "ops" });
  });

  test("MMN_CONFIG replaces the files, and a missing one is an error", async () => {
    const { root, home, cwd } = dirs();
    writeFileSync(join(home, ".mmnrc"), "url=https://ignored\n");
    writeFileSync(join(root, "alt"), "url=https://alt\n");
    expect((await loadConfig({ home, cwd, env: { MMN_CONFIG: join(root, "alt") } })).config).toEqual({
      url: "https://alt",
    });
    await expect(loadConfig({ home, cwd, env: {}, configFile: join(root, "missing") })).rejects.toThrow(ConfigError);
  });

  test("$XDG_CONFIG_HOME/.mmnrc is used only when it exists", async () => {
    const { root, home } = dirs();
    const xdg = join(root, "xdg");
    mkdirSync(xdg);
    expect(await userConfigPath({ XDG_CONFIG_HOME: xdg }, home)).toBe(join(home, ".mmnrc"));
    writeFileSync(join(xdg, ".mmnrc"), "");
    expect(await userConfigPath({ XDG_CONFIG_HOME: xdg }, home)).toBe(join(xdg, ".mmnrc"));
  });

  test("warns when a file holding a token is readable by others, without showing it", async () => {
    const { home, cwd } = dirs();
    const file = join(home, ".mmnrc");
    writeFileSync(file, "token=sekrit-token-123\n");
    chmodSync(file, 0o644);
    const loaded = await loadConfig({ home, cwd, env: {} });
    expect(loaded.warnings).toEqual([`${file} holds a token and other users can read it: run \`chmod 600 ${file}\``]);
    chmodSync(file, 0o600);
    expect((await loadConfig({ home, cwd, env: {} })).warnings).toEqual([]);
  });
});

describe("connection", () => {
  test("missing URL or token is a ConfigError that says what to do", () => {
    expect(() => requireConnection({ config: { token: "t" }, sources: {}, files: [], warnings: [] })).toThrow(
      /no Mattermost server URL/,
    );
    expect(() => requireConnection({ config: { url: "https://x" }, sources: {}, files: [], warnings: [] })).toThrow(
      /no access token/,
    );
  });

  test("URLs are normalised", () => {
    expect(normalizeUrl("chat.example.org/")).toBe("https://chat.example.org");
    expect(normalizeUrl("https://chat.example.org/api/v4/")).toBe("https://chat.example.org");
    expect(normalizeUrl("http://127.0.0.1:8065/mm/")).toBe("http://127.0.0.1:8065/mm");
    expect(normalizeUrl("https://chat.example.org/research/channels/town-square")).toBe("https://chat.example.org");
    expect(normalizeUrl("https://example.org/mm/research/messages/@alice")).toBe("https://example.org/mm");
    expect(normalizeUrl("https://chat.example.org/research/pl/abc123?x=1#y")).toBe("https://chat.example.org");
    expect(() => normalizeUrl("ftp://x")).toThrow(ConfigError);
    expect(() => normalizeUrl("https://")).toThrow(ConfigError);
  });
});

test("a .mattermost_notify is written in the Python package's format: URL=, TEAM_NAME=, TOKEN=, no comment", async () => {
  const { root } = dirs();
  const path = join(root, ".mattermost_notify");
  await writeConfigFile(path, { user: "alice", token: "t0k", team: "research", url: "https://x" });
  expect(readFileSync(path, "utf8")).toBe("URL=https://x\nTEAM_NAME=research\nTOKEN=t0k\nuser=alice\n");
  expect(statSync(path).mode & 0o777).toBe(0o600);
});

test("writeConfigFile writes mode 0600 and round-trips", async () => {
  const { root } = dirs();
  const path = join(root, "sub", ".mmnrc");
  await writeConfigFile(path, { url: "https://x", token: "t0k", team: "research", user: "alice" });
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(parseConfigText(readFileSync(path, "utf8"))).toEqual({
    url: "https://x",
    token: "t0k",
    team: "research",
    user: "alice",
  });
});
