import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { libraryIsCurrent } from "../helpers/built.ts";
import { outputOf } from "../helpers/output.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

const ROOT = join(import.meta.dir, "../..");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  // Always from the current source: a stale dist/ must not pass for the library.
  if (libraryIsCurrent()) return;
  const build = Bun.spawnSync(["bun", "scripts/build.ts", "--lib"], { cwd: ROOT, stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`library build failed: ${build.stderr.toString()}`);
}, 60_000);
afterAll(() => server.close());

/** Async, not spawnSync: the server answers from this process's event loop. */
async function runNode(script: string, env: Record<string, string | undefined>) {
  const node = Bun.spawn(["node", "--input-type=module", "-e", script], {
    cwd: ROOT,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  return outputOf(node);
}

test("Node >= 20 imports the built library by its package name and DMs a user", async () => {
  const script = `
    import { Notify, VERSION } from "mattermost-notify";
    const client = new Notify({ url: process.env.URL, token: process.env.TOKEN, team: "research" });
    const post = await client.sendToUser("hello from node " + process.version, "alice", { id: "node-1" });
    const edited = await client.sendUpdate("edited from node", { id: "node-1" });
    console.log(JSON.stringify({ version: VERSION, id: post.id, same: edited.id === post.id }));
  `;
  const { stdout, stderr, code } = await runNode(script, { ...process.env, URL: server.url, TOKEN: server.token });
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const version = Bun.spawnSync(["node", "--version"]).stdout.toString().trim();
  expect(Number(/^v(\d+)/.exec(version)?.[1])).toBeGreaterThanOrEqual(20);
  const out = JSON.parse(stdout);
  expect(out.same).toBe(true);
  const post = server.posts.get(out.id)!;
  expect(post.message).toBe("edited from node");
  expect(post.channel_id).toBe(server.dmChannelWith(server.users.alice.id)!.id);
  expect(server.requests.every((r) => r.headers["user-agent"]?.startsWith("mmn/"))).toBe(true);
}, 30_000);

test("on Node, the library reads ~/.mmnrc, uploads a file and writes and reads hook files", async () => {
  const home = Bun.spawnSync(["mktemp", "-d"]).stdout.toString().trim();
  writeFileSync(join(home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nteam=research\nuser=alice\n`, {
    mode: 0o600,
  });
  await Bun.write(join(home, "report.txt"), "numbers\n");
  const script = `
    import { wakeup, notify, exportHook, importHook, DirectoryHookStore } from "mattermost-notify";
    const hooks = new DirectoryHookStore(process.env.HOME + "/hooks");
    await wakeup({ client: { hooks } });
    const post = await notify("with a file", { files: [process.env.HOME + "/report.txt"], id: "n2" });
    await exportHook("n2", process.env.HOME + "/n2.msg");
    const hook = await importHook(process.env.HOME + "/n2.msg");
    const stored = await hooks.get("n2");
    console.log(JSON.stringify({ id: post.id, hookPost: hook.postId, storedPost: stored?.postId }));
  `;
  const { stdout, stderr, code } = await runNode(script, { PATH: process.env.PATH!, HOME: home });
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const out = JSON.parse(stdout);
  expect(out.hookPost).toBe(out.id);
  expect(out.storedPost).toBe(out.id);
  const post = server.posts.get(out.id)!;
  expect(post.file_ids).toHaveLength(1);
  expect(server.files.get(post.file_ids![0]!)?.info.name).toBe("report.txt");
  expect(await Bun.file(join(home, "hooks", "n2.msg")).text()).toContain(out.id);
}, 30_000);

test("under Node, ca and proxy are refused with what to do, not silently ignored", async () => {
  const script = `
    import { Notify } from "mattermost-notify";
    for (const extra of [{ ca: "-----BEGIN CERTIFICATE-----" }, { proxy: "http://127.0.0.1:9" }]) {
      try { new Notify({ url: "https://chat.example.org", token: "t", ...extra }); console.log("accepted"); }
      catch (e) { console.log(e.name, e.message, "|", e.hint); }
    }
  `;
  const node = Bun.spawnSync(["node", "--input-type=module", "-e", script], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(node.stdout.toString().trim().split("\n")).toEqual([
    "ConfigError the ca option needs Bun: Node's fetch has none | under Node, start it with NODE_EXTRA_CA_CERTS=FILE instead",
    "ConfigError the proxy option needs Bun: Node's fetch has none | run it under Bun, or use the mmn binary",
  ]);
});

test("under Node, wakeup() leaves ca= and proxy= of a configuration shared with the binary to Node, with warnings", async () => {
  const home = Bun.spawnSync(["mktemp", "-d"]).stdout.toString().trim();
  writeFileSync(
    join(home, ".mmnrc"),
    `url=${server.url}\ntoken=${server.token}\nuser=alice\nca=/etc/site-ca.pem\nproxy=http://u:pw@proxy:3128\n`,
    { mode: 0o644 },
  );
  const script = `
    import { wakeup, notify } from "mattermost-notify";
    await wakeup();
    console.log((await notify("from node, shared config")).id);
  `;
  const { stdout, stderr, code } = await runNode(script, { PATH: process.env.PATH!, HOME: home });
  expect(code).toBe(0);
  expect(server.posts.get(stdout.trim())?.message).toBe("from node, shared config");
  expect(stderr).toContain(
    "MmnWarning: ca=/etc/site-ca.pem is not used under Node: start it with NODE_EXTRA_CA_CERTS=/etc/site-ca.pem",
  );
  expect(stderr).toContain("MmnWarning: proxy=http://proxy:3128 is not used under Node, whose fetch takes no proxy");
  expect(stderr).toContain(`MmnWarning: ${home}/.mmnrc holds a token and other users can read it`);
  expect(stderr).not.toContain(server.token);
}, 30_000);

test("under Node, an address without a scheme to a plain HTTP server: the same one-line ConfigError as under Bun, not OpenSSL's", async () => {
  const host = `127.0.0.1:${server.port}`;
  const script = `
    import { Notify } from "mattermost-notify";
    let attempts = 0;
    const client = new Notify({ url: process.env.HOST, token: process.env.TOKEN, onAttempt: () => attempts++ });
    try { await client.sendToUser("hi", "alice"); console.log("sent"); }
    catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message, hint: e.hint, attempts })); }
  `;
  const { stdout, stderr, code } = await runNode(script, { PATH: process.env.PATH!, HOST: host, TOKEN: server.token });
  expect({ stderr, code }).toEqual({ stderr: "", code: 0 });
  expect(JSON.parse(stdout)).toEqual({
    name: "ConfigError",
    message: `the TLS handshake with ${host} failed: does the server speak https on this port?`,
    hint: `if it serves plain HTTP, set the URL to http://${host} (an address without http:// or https:// means https://)`,
    attempts: 1,
  });
});

test("the npm package's mmn under Node: a brotli bomb is 'larger than 4 MiB', and the memory stays bounded", async () => {
  server.reset();
  const home = Bun.spawnSync(["mktemp", "-d"]).stdout.toString().trim();
  writeFileSync(join(home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nuser=alice\n`, { mode: 0o600 });
  server.fault({ kind: "bomb", encoding: "br", path: "/api/v4/users/username/alice" });
  // GNU time's count of the child alone (Bun.spawn's would start from this process's peak).
  const peak = join(home, "peak");
  const time = existsSync("/usr/bin/time") ? ["/usr/bin/time", "-f", "%M", "-o", peak] : [];
  const node = Bun.spawn([...time, "node", join(ROOT, "dist/cli/mmn.js"), "send", "hi"], {
    env: { PATH: process.env.PATH!, HOME: home },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stderr, code] = await Promise.all([new Response(node.stderr).text(), node.exited]);
  expect(stderr).toContain(
    "error: unexpected reply from the server (HTTP 200): its answer is larger than 4 MiB once decoded (br)\n",
  );
  expect(code).toBe(1);
  expect(server.posts.size).toBe(0);
  // Node itself takes ~45 MB; undici decodes 16 KiB at a time as the body is read.
  if (time.length) expect(Number(readFileSync(peak, "utf8").trim().split("\n").at(-1)) / 1024).toBeLessThan(150);
}, 30_000);
