import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
const dmOf = (user: "alice" | "bob") =>
  server.postsIn(server.dmChannelWith(server.users[user].id)?.id ?? "").map((p) => p.message);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  box = sandbox();
});

describe("where mmn finds its configuration", () => {
  test("the seed's .mattermost_notify in the working directory", async () => {
    box.write(".mattermost_notify", `URL = ${server.url}\r\nTEAM_NAME=research\r\nTOKEN=${server.token}\r\n`);
    const r = await mmn(box, ["send", "from the seed's file", "-u", "alice"]);
    expect(r.code).toBe(0);
    expect(dmOf("alice")).toEqual(["from the seed's file"]);
  });

  test("a project's .mattermost_notify with its token is used whole: its server and team, not ~/.mmnrc's", async () => {
    writeFileSync(join(box.home, ".mmnrc"), "url=http://127.0.0.1:9\ntoken=elsewhere\nteam=elsewhere\n", {
      mode: 0o600,
    });
    chmodSync(box.write(".mattermost_notify", `URL=${server.url}\nTEAM_NAME=research\nTOKEN=${server.token}\n`), 0o600);
    const r = await mmn(box, ["send", "from the project's file", "-c", "town-square"]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: expect.stringMatching(/^✔ sent \(post \w+\)\n$/) });
    expect(server.postsIn(server.channels.townSquare.id).map((p) => p.message)).toEqual(["from the project's file"]);
  });

  test("$XDG_CONFIG_HOME/.mmnrc when it exists, ~/.mmnrc when it does not", async () => {
    const xdg = join(box.home, "xdg");
    mkdirSync(xdg);
    writeFileSync(join(box.home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nuser=alice\n`, { mode: 0o600 });
    const env = { XDG_CONFIG_HOME: xdg };
    expect((await mmn(box, ["send", "home rc"], { env })).code).toBe(0);
    writeFileSync(join(xdg, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nuser=bob\n`, { mode: 0o600 });
    expect((await mmn(box, ["send", "xdg rc"], { env })).code).toBe(0);
    expect(dmOf("alice")).toEqual(["home rc"]);
    expect(dmOf("bob")).toEqual(["xdg rc"]);
  });

  test("an empty file and a pipe (--config <(…)) are read like any file", async () => {
    box.write(".mmnrc", "");
    const config = `url=${server.url}\\ntoken=${server.token}\\nuser=alice\\n`;
    const command = `${MMN.map((part) => `'${part}'`).join(" ")} --config <(printf '${config}') send "through a pipe"`;
    const proc = Bun.spawn(["bash", "-c", command], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(stderr).not.toContain(server.token);
    expect(code).toBe(0);
    expect(dmOf("alice")).toEqual(["through a pipe"]);
  });

  test("a token others can read: sent all the same, with a warning that does not show it", async () => {
    const file = join(box.home, ".mmnrc");
    writeFileSync(file, `url=${server.url}\ntoken=${server.token}\n`);
    chmodSync(file, 0o644);
    const r = await mmn(box, ["send", "hi", "-u", "alice"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `warning: ${file} holds a token and other users can read it: run \`chmod 600 ${file}\`\n`,
    );
    expect(dmOf("alice")).toEqual(["hi"]);
    chmodSync(file, 0o600);
    expect((await mmn(box, ["send", "again", "-u", "alice"])).stderr).not.toContain("warning");
  });

  test("MMN_CHANNEL replaces the user the file names as the default recipient", async () => {
    writeFileSync(join(box.home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nteam=research\nuser=alice\n`, {
      mode: 0o600,
    });
    expect((await mmn(box, ["send", "to the channel"], { env: { MMN_CHANNEL: "general" } })).code).toBe(0);
    expect(server.postsIn(server.channels.general.id).map((p) => p.message)).toEqual(["to the channel"]);
    expect(dmOf("alice")).toEqual([]);
  });

  test("a --config file that is missing: exit 3, nothing sent", async () => {
    const r = await mmn(box, ["--config", join(box.cwd, "nope"), "send", "x", "-u", "alice"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: cannot read config file ${join(box.cwd, "nope")}: no such file or directory\n`);
    expect(server.requests).toEqual([]);
  });
});
