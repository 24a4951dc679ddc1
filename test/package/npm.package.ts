// The npm package as its users get it: packed from a clean tree (prepack builds it), installed
// from the tarball into an empty project, then used under Node 20 with no Bun on PATH and under
// Bun: imported, required, type-checked, its `mmn` run, and the Python package's tests (translated
// in fixtures/python-scenarios.mts) run against the test server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import pkg from "../../package.json" with { type: "json" };
import { httpsFront, TEST_CA } from "../helpers/https-front.ts";
import { outputOf } from "../helpers/output.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

const ROOT = join(import.meta.dir, "../..");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

let server: TestServer;
let work: string;
let project: string;
let home: string;
/** node, npm, npx and sh, and nothing else: no Bun to fall back on. */
let nodeOnly: string;
let tarball: { filename: string; size: number; entryCount: number; files: Array<{ path: string; mode: number }> };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Async: the test server answers from this process. */
async function run(argv: string[], options: { env?: Record<string, string>; path?: string } = {}): Promise<Run> {
  const proc = Bun.spawn(argv, {
    cwd: project,
    env: { HOME: home, NO_COLOR: "1", PATH: options.path ?? nodeOnly, ...options.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, code } = await outputOf(proc);
  return { code, stdout, stderr };
}

const ok = (r: Run) => expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
const connection = () => ({ MMN_URL: server.url, MMN_TOKEN: server.token, MMN_TEAM: "research" });
const dmOf = (user: "alice" | "bob") => server.postsIn(server.dmChannelWith(server.users[user].id)?.id ?? "");

/** The tracked and new files of the working tree, without dist/ or anything ignored: what a clone holds. */
function cleanTree(into: string): void {
  const listed = Bun.spawnSync(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT });
  for (const file of listed.stdout.toString().split("\0")) {
    if (!file || file === "node_modules" || !existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(into, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(into, file));
  }
  // As after `bun install`: prepack builds with the dev dependencies.
  symlinkSync(join(ROOT, "node_modules"), join(into, "node_modules"));
}

beforeAll(async () => {
  server = await startTestServer();
  work = mkdtempSync(join(tmpdir(), "mmn-package-"));
  home = join(work, "home");
  project = join(work, "project");
  nodeOnly = join(work, "bin");
  for (const dir of [home, project, nodeOnly, join(work, "tree")]) mkdirSync(dir);
  for (const name of ["node", "npm", "npx", "sh"]) symlinkSync(Bun.which(name) ?? name, join(nodeOnly, name));

  cleanTree(join(work, "tree"));
  const packed = Bun.spawnSync(["npm", "pack", "--json", "--pack-destination", work], {
    cwd: join(work, "tree"),
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  if (packed.exitCode !== 0) throw new Error(`npm pack failed: ${packed.stderr.toString()}`);
  const out = packed.stdout.toString();
  [tarball] = JSON.parse(out.slice(out.lastIndexOf("\n[") + 1));

  writeFileSync(join(project, "package.json"), '{ "name": "probe", "private": true }\n');
  const installed = await run([
    "npm",
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    join(work, tarball.filename),
  ]);
  if (installed.code !== 0) throw new Error(`npm install failed: ${installed.stderr}`);
  // The files Python's tests send, and the tests themselves.
  writeFileSync(join(project, "test_api.py"), "def test_notify_user(): ...\n");
  writeFileSync(join(project, "test_kitty.jpg"), new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]));
  copyFileSync(join(import.meta.dir, "fixtures/python-scenarios.mts"), join(project, "python-scenarios.mts"));
}, 120_000);

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

test("the tarball is built by prepack from a clean tree and holds what users run, not the sources", () => {
  const paths = tarball.files.map((f) => f.path);
  console.log(`${tarball.filename}: ${(tarball.size / 1000).toFixed(1)} kB, ${tarball.entryCount} files`);
  expect(paths).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/lib/index.js"]));
  expect(paths).toEqual(expect.arrayContaining(["dist/lib/index.d.ts", "dist/cli/mmn.js"]));
  expect(paths.filter((p) => !/^(dist\/(lib|cli)\/|LICENSE$|README\.md$|package\.json$)/.test(p))).toEqual([]);
  expect(tarball.files.find((f) => f.path === "dist/cli/mmn.js")?.mode).toBe(0o755);
  // A bound against a tarball that takes in what it should not (sources, maps, the binary):
  // the library and the npm CLI are ~200 kB gzipped with watch, the relay and webhooks.
  expect(tarball.size).toBeLessThan(300_000);
});

describe("under Node 20, with no Bun on PATH", () => {
  test("import as ESM and require as CommonJS give one module, without a warning", async () => {
    const version = await run(["node", "--version"]);
    expect(Number(/^v(\d+)/.exec(version.stdout)?.[1])).toBeGreaterThanOrEqual(20);
    expect((await run(["sh", "-c", "command -v bun || echo none"])).stdout).toBe("none\n");
    const script = `
      const required = require("mattermost-notify");
      import("mattermost-notify").then((imported) => console.log(JSON.stringify({
        same: required.Notify === imported.Notify && required.UsageError === imported.UsageError,
        version: imported.VERSION,
        functions: ["wakeup", "notify", "notifyUser", "notifyChannel", "sendUpdate", "exportHook", "importHook"]
          .filter((name) => typeof required[name] === "function"),
      })));`;
    const r = await run(["node", "-e", script]);
    ok(r);
    expect(JSON.parse(r.stdout)).toEqual({
      same: true,
      version: pkg.version,
      functions: ["wakeup", "notify", "notifyUser", "notifyChannel", "sendUpdate", "exportHook", "importHook"],
    });
  });

  test("a TypeScript file type-checks against it with moduleResolution bundler and node16", async () => {
    const base = { strict: true, target: "ES2022", skipLibCheck: false, types: ["node"] };
    const typeRoots = [join(ROOT, "node_modules/@types")];
    const configs = {
      "tsconfig.bundler.json": { module: "ESNext", moduleResolution: "bundler", noEmit: true },
      "tsconfig.node16.json": { module: "node16", moduleResolution: "node16", outDir: "out" },
    };
    for (const [name, options] of Object.entries(configs)) {
      const tsconfig = { compilerOptions: { ...base, ...options, typeRoots }, files: ["python-scenarios.mts"] };
      writeFileSync(join(project, name), JSON.stringify(tsconfig));
      const r = await run(["node", TSC, "-p", name]);
      expect(r.stdout).toBe("");
      expect(r.code).toBe(0);
    }
  }, 60_000);

  test("npx mmn: --version, and a send, an update, a test, hooks, completion, setup; run says it needs Bun", async () => {
    const npx = await run(["npx", "--offline", "mmn", "--version"]);
    ok(npx);
    expect(npx.stdout).toBe(`${pkg.version}\n`);
    const mmn = (args: string[], env: Record<string, string> = connection()) =>
      run(["node_modules/.bin/mmn", ...args], { env });
    ok(await mmn(["send", "from npm's mmn under node", "-u", "alice", "--id", "node-bin", "--quiet"]));
    ok(await mmn(["update", "--id", "node-bin", "--append", "appended", "--quiet"]));
    expect(dmOf("alice").at(-1)?.message).toBe("from npm's mmn under node\nappended");
    const check = await mmn(["test"]);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain("✔ token");
    expect((await mmn(["hook", "list"])).stdout).toContain("node-bin");
    expect((await mmn(["completion", "bash"])).stdout).toContain("complete -o default -F _mmn mmn");
    expect((await mmn(["--help"])).stdout).toContain("Usage: mmn <command>");
    const rc = join(home, "setup.mmnrc");
    const setup = await mmn(["--config", rc, "setup", "--url", server.url, "--token-file", "-", "--yes"], {});
    expect(setup.code).toBe(2);
    const fromFile = join(home, "token");
    writeFileSync(fromFile, server.token);
    const written = await mmn(
      [
        "--config",
        rc,
        "setup",
        "--url",
        server.url,
        "--token-file",
        fromFile,
        "--team",
        "research",
        "-u",
        "bob",
        "--yes",
      ],
      {},
    );
    expect(written.code).toBe(0);
    ok(await mmn(["--config", rc, "send", "after setup under node", "--quiet"], {}));
    expect(dmOf("bob").map((p) => p.message)).toEqual(["after setup under node"]);
    const wrapped = await mmn(["run", "--", "touch", join(home, "ran")]);
    expect(wrapped.code).toBe(2);
    expect(wrapped.stderr).toContain("mmn: error: mmn run needs the mmn binary or Bun");
    const hint = wrapped.stderr.split("\n").find((line) => line.startsWith("mmn: hint: "));
    expect(hint).toBe(
      "mmn: hint: with Bun, run bunx --bun mmn run -- CMD; without it, npx -y bun@1.4.5 x --bun mmn run -- CMD; on a cluster, the single-file mmn binary (README: Install the binary)",
    );
    expect(existsSync(join(home, "ran"))).toBe(false);
    // What the hint says, as the npm user types it (here with Bun on PATH: npx would fetch the same Bun).
    const bunx = /with Bun, run (bunx --bun mmn run) -- CMD/.exec(hint ?? "")![1]!.split(" ");
    const hinted = await run([...bunx, "--", "touch", join(home, "ran")], {
      env: { ...connection(), MMN_USER: "bob" },
      path: process.env.PATH,
    });
    expect(hinted.code).toBe(0);
    expect(existsSync(join(home, "ran"))).toBe(true);
  }, 60_000);

  test("mmn: certificates are checked whatever NODE_TLS_REJECT_UNAUTHORIZED says; what Node cannot do is said", async () => {
    server.reset();
    const front = httpsFront(server.url);
    const mmn = (env: Record<string, string>) =>
      run(["node_modules/.bin/mmn", "send", "over tls", "-u", "alice"], { env: { ...connection(), ...env } });
    try {
      const unchecked = await mmn({ MMN_URL: front.url, NODE_TLS_REJECT_UNAUTHORIZED: "0" });
      expect(unchecked.code).toBe(1);
      expect(unchecked.stderr).toContain("warning: NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored");
      expect(unchecked.stderr).toContain("its certificate is not trusted");
      expect(server.requests.filter((r) => r.method === "POST")).toEqual([]);
      const noCa = await mmn({ MMN_URL: front.url, MMN_CA: TEST_CA });
      expect(noCa.code).toBe(1);
      expect(noCa.stderr).toContain(
        `warning: ca=${TEST_CA} is not used under Node: start it with NODE_EXTRA_CA_CERTS=`,
      );
      const withCa = await mmn({ MMN_URL: front.url, MMN_CA: TEST_CA, NODE_EXTRA_CA_CERTS: TEST_CA });
      expect(withCa).toMatchObject({ code: 0, stderr: expect.stringMatching(/^✔ sent/) });
    } finally {
      front.stop();
    }
    const proxied = await mmn({ HTTP_PROXY: "http://127.0.0.1:9" });
    expect(proxied.code).toBe(0);
    expect(proxied.stderr).toContain(
      "warning: the environment's proxy http://127.0.0.1:9 is not used under Node, whose fetch takes no proxy",
    );
  }, 60_000);

  test("the Python package's test scenarios, compiled by tsc, pass against the server", async () => {
    const r = await run(["node", "out/python-scenarios.mjs"], { env: scenarioEnv() });
    expectScenariosPassed(r);
  }, 60_000);
});

describe("under Bun", () => {
  const bun = () => ({ path: `${dirname(process.execPath)}:${nodeOnly}` });

  test("import as ESM and require as CommonJS give one module", async () => {
    const script = `
      const required = require("mattermost-notify");
      const imported = await import("mattermost-notify");
      console.log(required.Notify === imported.Notify, typeof imported.notifyUser, imported.VERSION);`;
    const r = await run([process.execPath, "-e", script], bun());
    ok(r);
    expect(r.stdout).toBe(`true function ${pkg.version}\n`);
  });

  test("the package's mmn: --version, a send and mmn run", async () => {
    const version = await run([process.execPath, "node_modules/.bin/mmn", "--version"], bun());
    expect(version.stdout).toBe(`${pkg.version}\n`);
    const send = await run(
      [process.execPath, "node_modules/.bin/mmn", "send", "from npm's mmn under bun", "-u", "bob"],
      {
        ...bun(),
        env: connection(),
      },
    );
    expect(send.code).toBe(0);
    expect(dmOf("bob").at(-1)?.message).toBe("from npm's mmn under bun");
    // Under Bun, the same file wraps a command.
    const wrapped = await run(
      [
        process.execPath,
        "node_modules/.bin/mmn",
        "run",
        "-u",
        "bob",
        "--title",
        "wrapped under bun",
        "--",
        "sh",
        "-c",
        "echo hi",
      ],
      { ...bun(), env: connection() },
    );
    expect(wrapped).toMatchObject({ code: 0, stdout: "hi\n", stderr: expect.stringContaining("mmn: reporting as") });
    expect(dmOf("bob").some((p) => p.message.includes("wrapped under bun"))).toBe(true);
  });

  test("the Python package's test scenarios pass against the server", async () => {
    const r = await run([process.execPath, "python-scenarios.mts"], { ...bun(), env: scenarioEnv() });
    expectScenariosPassed(r);
  }, 60_000);
});

function scenarioEnv(): Record<string, string> {
  return {
    URL: server.url,
    TOKEN: server.token,
    TEAM_NAME: "research",
    TEST_USER_NAME: "alice",
    TEST_CHANNEL_NAME: "town-square",
    FILES: project,
  };
}

interface Outcome {
  name: string;
  ok: boolean;
  sent?: Post | Post[] | string | boolean;
  error?: string;
}

/** Every scenario passed, and what each says it sent is what the server holds. */
function expectScenariosPassed(r: Run): void {
  const outcomes: Outcome[] = r.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  expect(r).toMatchObject({ code: 0, stderr: "" });
  expect(outcomes).toHaveLength(22);
  const sent = Object.fromEntries(outcomes.map((o) => [o.name, o.sent]));
  const posts = (name: string): Post[] => [sent[name]].flat() as Post[];
  const stored = (post: Post) => server.posts.get(post.id);
  for (const outcome of outcomes)
    for (const post of [outcome.sent].flat())
      if (typeof post === "object") expect(stored(post)?.message).toBe(post.message);
  const townSquare = server.channels.townSquare.id;
  const aliceDm = server.dmChannelWith(server.users.alice.id)?.id;
  expect(posts("test_notify_with_standard_channel").map((p) => stored(p)?.channel_id)).toEqual([
    townSquare,
    townSquare,
  ]);
  expect(posts("test_notify_with_standard_user").map((p) => stored(p)?.channel_id)).toEqual([aliceDm, aliceDm]);
  // Both files on the post itself, not one post per file as in Python.
  for (const post of posts("test_notify_with_image_upload_to_user")) expect(stored(post)?.file_ids).toHaveLength(2);
  expect(stored(posts("test_send_update")[0]!)?.message).toBe("Hello, World! twice");
  expect(stored(posts("test_send_update_with_toplevel_notify")[0]!)?.message).toBe("Hello, World /toplevel ! twice");
  expect(stored(posts("test_export_and_import_hooks")[0]!)?.message).toBe("Hello, World! from api updated");
  expect(stored(posts("test_can_update_message")[0]!)?.message).toBe("Hello, World! Updated **");
  expect(sent.test_can_connect).toBe(true);
  expect(sent.test_can_get_user_id).toBe("@alice");
}
