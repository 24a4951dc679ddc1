/**
 * mmn's state, hooks and locks on a directory another user can write (`XDG_STATE_HOME`,
 * `MMN_HOOK_DIR`, `XDG_CONFIG_HOME` on a group directory): what the neighbour plants there is
 * refused with a warning or an error, never followed, waited on or read without bound. Two
 * users need root to make (CI runs as root); elsewhere these are skipped.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mmn, type Sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

const ROOT = process.geteuid?.() === 0;
const asRoot = ROOT ? test : test.skip;
const VICTIM = 4243;
const ATTACKER = 4242;

let server: TestServer;
let evil: TestServer;
beforeAll(async () => {
  [server, evil] = await Promise.all([startTestServer(), startTestServer()]);
});
afterAll(() => Promise.all([server.close(), evil.close()]));

let box: Sandbox;
/** A sticky directory everyone may write, like /scratch/shared. */
let shared: string;
beforeEach(() => {
  server.reset();
  evil.reset();
  const root = mkdtempSync(join(tmpdir(), "mmn-shared-state-"));
  chmodSync(root, 0o755);
  const home = join(root, "victim");
  shared = join(root, "shared");
  mkdirSync(home);
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const rc = join(home, ".mmnrc");
  writeFileSync(rc, `url=${server.url}\ntoken=${server.token}\nteam=research\nuser=alice\n`, { mode: 0o600 });
  if (ROOT) for (const path of [home, rc]) chownSync(path, VICTIM, VICTIM);
  box = {
    home,
    cwd: home,
    env: { HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", LANG: "C.UTF-8" },
    secrets: [server.token],
    write: (name, content) => {
      writeFileSync(join(home, name), content);
      return join(home, name);
    },
  };
});

/** A directory and a file of the attacker's, as they would make them. */
function plantDir(path: string): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o777);
  chownSync(path, ATTACKER, ATTACKER);
  return path;
}
function plant(path: string, content: string): string {
  writeFileSync(path, content, { mode: 0o644 });
  chownSync(path, ATTACKER, ATTACKER);
  return path;
}
function plantLink(target: string, path: string): string {
  symlinkSync(target, path);
  lchownSync(path, ATTACKER, ATTACKER);
  return path;
}

const posts = (channelId: string) => server.postsIn(channelId).map((p) => p.message);

describe("a shared XDG_STATE_HOME or MMN_HOOK_DIR", () => {
  asRoot("a planted names.json does not send `-c general` to the channel it names: ignored, one warning", async () => {
    const cache = plant(
      join(plantDir(join(shared, "mmn")), "names.json"),
      JSON.stringify({ [`${server.url} channel research/general`]: server.channels.townSquare.id }),
    );
    const r = await mmn(box, ["send", "-c", "general", "hi"], { uid: VICTIM, env: { XDG_STATE_HOME: shared } });
    expect(r.code).toBe(0);
    expect(posts(server.channels.townSquare.id)).toEqual([]);
    expect(posts(server.channels.general.id)).toEqual(["hi"]);
    expect(r.stderr.match(/is ignored/g)).toHaveLength(1);
    expect(r.stderr).toContain(`warning: ${cache} is ignored: owned by another user (uid ${ATTACKER})\n`);
  });

  asRoot("a names.json that is another user's link is not written through", async () => {
    const theirs = plant(join(shared, "theirs.json"), "{}");
    const link = plantLink(theirs, join(plantDir(join(shared, "mmn")), "names.json"));
    const r = await mmn(box, ["send", "-c", "general", "hi"], { uid: VICTIM, env: { XDG_STATE_HOME: shared } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${link} is ignored: a symlink where none may be\n`);
    expect(await Bun.file(theirs).text()).toBe("{}");
    expect(posts(server.channels.general.id)).toEqual(["hi"]);
  });

  asRoot("mmn hook prune does not follow a planted .arrays link into the user's own directories", async () => {
    // Alice's old project directory, which the link would pass off as an array's state.
    const project = join(box.home, "projects", "thesis-2019");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "thesis.tex"), "chapter 1\n");
    for (const path of [join(box.home, "projects"), project, join(project, "thesis.tex")])
      chownSync(path, VICTIM, VICTIM);
    const old = new Date(Date.now() - 30 * 86_400_000);
    for (const path of [project, join(project, "thesis.tex")]) utimesSync(path, old, old);
    plantLink(join(box.home, "projects"), join(shared, ".arrays"));
    const r = await mmn(box, ["hook", "prune"], { uid: VICTIM, env: { MMN_HOOK_DIR: shared } });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("thesis-2019");
    expect(readdirSync(project)).toEqual(["thesis.tex"]);
  });

  asRoot("a FIFO as x.msg.lock does not hold `mmn send --id x`: refused at once, nothing sent", async () => {
    const lock = join(shared, "x.msg.lock");
    expect(Bun.spawnSync(["mkfifo", "-m", "666", lock]).exitCode).toBe(0);
    chownSync(lock, ATTACKER, ATTACKER);
    const r = await mmn(box, ["send", "--id", "x", "hi"], { uid: VICTIM, env: { MMN_HOOK_DIR: shared } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot lock message id "x" (${lock}): not a regular file`);
    expect(server.requests.filter((q) => q.method === "POST")).toEqual([]);
  });

  asRoot("a link to /dev/zero as the lock is not read: refused at once", async () => {
    const lock = plantLink("/dev/zero", join(shared, "x.msg.lock"));
    const r = await mmn(box, ["send", "--id", "x", "hi"], { uid: VICTIM, env: { MMN_HOOK_DIR: shared } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot lock message id "x" (${lock}): a symlink where none may be`);
    expect(server.requests.filter((q) => q.method === "POST")).toEqual([]);
  });

  asRoot("another user's lock file, a regular one, is not taken for ours either", async () => {
    const lock = plant(join(shared, "x.msg.lock"), `1@${"elsewhere"} 2020-01-01T00:00:00.000Z\n`);
    const r = await mmn(box, ["send", "--id", "x", "hi"], { uid: VICTIM, env: { MMN_HOOK_DIR: shared } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot lock message id "x" (${lock}): owned by another user (uid ${ATTACKER})`);
  });

  asRoot("a planted hook does not turn `mmn send --id x` into an edit of their post", async () => {
    expect((await mmn(box, ["send", "-c", "town-square", "bait"], { uid: VICTIM })).code).toBe(0);
    const bait = server.postsIn(server.channels.townSquare.id).at(-1)!;
    const hook = plant(
      join(shared, "x.msg"),
      `[Mattermost-Notify Message Hook]\nx\n${server.channels.townSquare.id}\n${bait.id}\n`,
    );
    const seen = server.requests.length;
    const r = await mmn(box, ["send", "--id", "x", "secret"], { uid: VICTIM, env: { MMN_HOOK_DIR: shared } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read hook ${hook}: owned by another user (uid ${ATTACKER})`);
    expect(server.postsIn(server.channels.townSquare.id).map((p) => p.message)).toEqual(["bait"]);
    expect(server.requests.slice(seen).filter((q) => q.method !== "GET")).toEqual([]);
  });
});

describe("a shared XDG_CONFIG_HOME", () => {
  asRoot("another user's $XDG_CONFIG_HOME/.mmnrc is ignored with one warning; ~/.mmnrc is read instead", async () => {
    const rc = plant(join(shared, ".mmnrc"), `url=${evil.url}\ntoken=theirs\nuser=bob\n`);
    const r = await mmn(box, ["send", "hi"], { uid: VICTIM, env: { XDG_CONFIG_HOME: shared } });
    expect(r.code).toBe(0);
    expect(evil.requests).toEqual([]);
    expect(server.postsIn(server.dmChannelWith(server.users.alice.id)!.id).map((p) => p.message)).toEqual(["hi"]);
    expect(r.stderr).toContain(`warning: ${rc} is ignored: owned by another user (uid ${ATTACKER})\n`);
    expect(r.stderr.match(/is ignored/g)).toHaveLength(1);
  });
});

describe("files mmn creates", () => {
  test("are 0600, and its directories 0700, under umask 000", async () => {
    const state = join(box.home, "state");
    const env = {
      XDG_STATE_HOME: state,
      SLURM_JOB_ID: "7001",
      SLURM_ARRAY_JOB_ID: "7000",
      SLURM_ARRAY_TASK_ID: "1",
      SLURM_ARRAY_TASK_COUNT: "2",
      MMN_TEST_INTERVAL_MS: "200",
    };
    const before = process.umask(0);
    try {
      const as = ROOT ? { uid: VICTIM } : {};
      expect((await mmn(box, ["send", "-c", "general", "--id", "kept", "hi"], { ...as, env })).code).toBe(0);
      expect((await mmn(box, ["run", "--", "sleep", "0.3"], { ...as, env })).code).toBe(0);
    } finally {
      process.umask(before);
    }
    const modes: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const info = statSync(path);
        modes.push(`${path.slice(state.length)} ${(info.mode & 0o777).toString(8)}`);
        if (info.isDirectory()) walk(path);
      }
    };
    walk(state);
    expect(modes.length).toBeGreaterThan(5);
    for (const line of modes) expect(line).toMatch(/ (600|700)$/);
    expect(modes.filter((line) => line.endsWith(" 700")).length).toBeGreaterThanOrEqual(3);
  });
});
