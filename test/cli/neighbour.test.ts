/**
 * A hostile user on the same machine: they own the working directory, plant configuration
 * files and symlinks in shared directories. The victim runs mmn there. Two users need root
 * to make (CI runs as root); elsewhere these are skipped with the reason in their name.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MMN, mmn, type Sandbox } from "../helpers/cli.ts";
import { fileHas, waitFor } from "../run/helpers.ts";
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

interface Machine {
  box: Sandbox;
  /** A directory the attacker owns and everyone may enter, like /scratch/project. */
  project: string;
  /** A sticky directory everyone may write, like /tmp/shared. */
  shared: string;
  bashrc: string;
}

let m: Machine;
beforeEach(() => {
  server.reset();
  evil.reset();
  const root = mkdtempSync(join(tmpdir(), "mmn-neighbour-"));
  chmodSync(root, 0o755);
  const home = join(root, "victim");
  const project = join(root, "project");
  const shared = join(root, "shared");
  for (const dir of [home, project, shared]) mkdirSync(dir);
  chmodSync(project, 0o777);
  chmodSync(shared, 0o1777);
  const bashrc = join(home, ".bashrc");
  writeFileSync(bashrc, "export PATH\n");
  writeFileSync(join(home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nteam=research\nuser=alice\n`, {
    mode: 0o600,
  });
  if (ROOT) for (const path of [home, bashrc, join(home, ".mmnrc")]) chownSync(path, VICTIM, VICTIM);
  if (ROOT) chownSync(project, ATTACKER, ATTACKER);
  const env = { HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", LANG: "C.UTF-8" };
  const box: Sandbox = {
    home,
    cwd: project,
    env,
    secrets: [server.token],
    write: (name, content) => plant(join(project, name), content),
  };
  m = { box, project, shared, bashrc };
});

/** A file of the attacker's. */
function plant(path: string, content: string | Uint8Array, mode = 0o644): string {
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  if (ROOT) chownSync(path, ATTACKER, ATTACKER);
  return path;
}

const dm = () => server.postsIn(server.dmChannelWith(server.users.alice.id)?.id ?? "").map((p) => p.message);

describe("configuration planted in the working directory", () => {
  asRoot(
    "another user's ./.mmnrc naming their server: ignored with one warning; the token goes only to ours",
    async () => {
      plant(join(m.project, ".mmnrc"), `url=${evil.url}\nuser=bob\n`);
      plant(join(m.project, ".mattermost_notify"), `URL=${evil.url}\nTOKEN=theirs\n`);
      const r = await mmn(m.box, ["send", "hi"], { uid: VICTIM });
      expect(r.code).toBe(0);
      expect(evil.requests).toEqual([]);
      expect(dm()).toEqual(["hi"]);
      expect(r.stderr).toContain(
        `warning: ${join(m.project, ".mmnrc")} is ignored: owned by another user (uid ${ATTACKER})\n`,
      );
      expect(r.stderr).toContain(
        `warning: ${join(m.project, ".mattermost_notify")} is ignored: owned by another user (uid ${ATTACKER})\n`,
      );
    },
  );

  asRoot("the same under mmn run: the job's log does not reach their server", async () => {
    plant(join(m.project, ".mmnrc"), `url=${evil.url}\n`);
    const r = await mmn(m.box, ["run", "--", "echo", "secret results"], { uid: VICTIM });
    expect(r.code).toBe(0);
    expect(evil.requests).toEqual([]);
    expect(dm().join("\n")).toContain("succeeded");
  });

  test("a file of ours (a cloned repository) may not send our token to the server it names", async () => {
    const box = { ...m.box, env: { ...m.box.env } };
    writeFileSync(join(m.project, ".mmnrc"), `url=${evil.url}\nproxy=http://127.0.0.1:9\nteam=research\n`, {
      mode: 0o644,
    });
    if (ROOT) chownSync(join(m.project, ".mmnrc"), VICTIM, VICTIM);
    const r = await mmn(box, ["send", "hi"], ROOT ? { uid: VICTIM } : {});
    expect(r.code).toBe(0);
    expect(evil.requests).toEqual([]);
    expect(dm()).toEqual(["hi"]);
    expect(r.stderr).toContain(
      `warning: ${join(m.project, ".mmnrc")}: url=, proxy= ignored: a file in the working directory may name the server only for a token of its own, and the token comes from ${join(m.box.home, ".mmnrc")}\n`,
    );
  });

  test("a token from the environment is not sent to the server a file of the working directory names", async () => {
    writeFileSync(join(m.project, ".mmnrc"), `url=${evil.url}\ntoken=their-token\n`, { mode: 0o644 });
    if (ROOT) chownSync(join(m.project, ".mmnrc"), VICTIM, VICTIM);
    const r = await mmn(m.box, ["send", "hi"], { env: { MMN_TOKEN: server.token }, ...(ROOT ? { uid: VICTIM } : {}) });
    expect(r.code).toBe(0);
    expect(evil.requests).toEqual([]);
    expect(dm()).toEqual(["hi"]);
  });

  test("a file of ours that others may write is ignored", async () => {
    const path = join(m.project, ".mmnrc");
    writeFileSync(path, "user=bob\n");
    chmodSync(path, 0o666);
    if (ROOT) chownSync(path, VICTIM, VICTIM);
    const r = await mmn(m.box, ["send", "hi"], ROOT ? { uid: VICTIM } : {});
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${path} is ignored: writable by other users (mode 0666)\n`);
    expect(dm()).toEqual(["hi"]);
  });

  test("a FIFO planted as ./.mmnrc does not hold mmn run: the command runs and is reported", async () => {
    expect(Bun.spawnSync(["mkfifo", "-m", "666", join(m.project, ".mmnrc")]).exitCode).toBe(0);
    const r = await mmn(m.box, ["run", "--", "echo", "ran"], ROOT ? { uid: VICTIM } : {});
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ran\n");
    expect(r.stderr).toContain("is ignored: not a regular file");
    expect(dm().join("\n")).toContain("succeeded");
  });

  test("mmn setup run there writes what it was given and asked, nothing the directory's files say", async () => {
    writeFileSync(join(m.project, ".mmnrc"), "proxy=http://127.0.0.1:9\ninterval=1\non=failure\ntail=500\n", {
      mode: 0o644,
    });
    if (ROOT) chownSync(join(m.project, ".mmnrc"), VICTIM, VICTIM);
    writeFileSync(join(m.box.home, ".mmnrc"), "tail=20\n", { mode: 0o600 });
    if (ROOT) chownSync(join(m.box.home, ".mmnrc"), VICTIM, VICTIM);
    const r = await mmn(m.box, ["setup", "--url", server.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: server.token,
      ...(ROOT ? { uid: VICTIM } : {}),
    });
    expect(r.code).toBe(0);
    const written = readFileSync(join(m.box.home, ".mmnrc"), "utf8");
    expect(written.split("\n").filter((line) => line && !line.startsWith("#"))).toEqual([
      `url=${server.url}`,
      `token=${server.token}`,
      "team=research",
      "user=alice",
      "tail=20",
    ]);
  });

  test("an unknown key is named, with the file, and the rest is used", async () => {
    writeFileSync(join(m.box.home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nchanel=ops\nuser=alice\n`, {
      mode: 0o600,
    });
    if (ROOT) chownSync(join(m.box.home, ".mmnrc"), VICTIM, VICTIM);
    const r = await mmn(m.box, ["send", "hi"], ROOT ? { uid: VICTIM } : {});
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `warning: ${join(m.box.home, ".mmnrc")}: unknown key "chanel" ignored (keys: url, token, team, user, channel`,
    );
    expect(dm()).toEqual(["hi"]);
  });
});

describe("symlinks planted in shared directories are not followed on write", () => {
  asRoot("send -s through another user's link to ~/.bashrc: refused before anything is sent", async () => {
    const link = join(m.shared, "job.msg");
    symlinkSync(m.bashrc, link);
    lchownSync(link, ATTACKER, ATTACKER);
    const r = await mmn(m.box, ["send", "hi", "-s", link], { uid: VICTIM });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `cannot write the hook file ${link}: it is a symlink owned by another user (uid ${ATTACKER})`,
    );
    expect(readFileSync(m.bashrc, "utf8")).toBe("export PATH\n");
    expect(server.requests).toEqual([]);
  });

  asRoot("a link in a shared hook directory to a file the victim has not made yet: not created", async () => {
    const ssh = join(m.box.home, ".ssh");
    mkdirSync(ssh, { mode: 0o700 });
    chownSync(ssh, VICTIM, VICTIM);
    const keys = join(ssh, "authorized_keys");
    const link = join(m.shared, "nightly.msg");
    symlinkSync(keys, link);
    lchownSync(link, ATTACKER, ATTACKER);
    const r = await mmn(m.box, ["send", "hi", "--id", "nightly"], { uid: VICTIM, env: { MMN_HOOK_DIR: m.shared } });
    expect(existsSync(keys)).toBe(false);
    // Refused as the hook is looked up: before anything is sent.
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read hook ${link}: a symlink where none may be`);
    expect(server.requests.filter((q) => q.method === "POST")).toEqual([]);
  });

  test("our own symlinked ~/.mmnrc is written through by setup (a dotfile manager's link)", async () => {
    const dotfiles = join(m.box.home, "dotfiles");
    mkdirSync(dotfiles);
    const real = join(dotfiles, "mmnrc");
    writeFileSync(real, "", { mode: 0o600 });
    const rc = join(m.box.home, ".mmnrc");
    Bun.spawnSync(["rm", rc]);
    symlinkSync(real, rc);
    if (ROOT) for (const path of [dotfiles, real]) chownSync(path, VICTIM, VICTIM);
    if (ROOT) lchownSync(rc, VICTIM, VICTIM);
    const r = await mmn(m.box, ["setup", "--url", server.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: server.token,
      ...(ROOT ? { uid: VICTIM } : {}),
    });
    expect(r.code).toBe(0);
    expect(readFileSync(real, "utf8")).toContain(`url=${server.url}\n`);
  });

  asRoot(
    "--log through another user's link: refused before the command runs; a FIFO as --log does not hold the job",
    async () => {
      const link = join(m.shared, "job.log");
      symlinkSync(m.bashrc, link);
      lchownSync(link, ATTACKER, ATTACKER);
      const r = await mmn(m.box, ["run", "--log", link, "--", "touch", join(m.shared, "ran")], { uid: VICTIM });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `mmn: error: cannot write the log ${link}: it is a symlink owned by another user (uid ${ATTACKER})`,
      );
      expect(readFileSync(m.bashrc, "utf8")).toBe("export PATH\n");
      expect(existsSync(join(m.shared, "ran"))).toBe(false);
      const fifo = join(m.shared, "pipe.log");
      expect(Bun.spawnSync(["mkfifo", "-m", "666", fifo]).exitCode).toBe(0);
      const held = await mmn(m.box, ["run", "--log", fifo, "--", "true"], { uid: VICTIM });
      expect(held.code).toBe(2);
      expect(held.stderr).toContain("it is not a regular file");
      expect(server.requests).toEqual([]);
    },
  );

  test("-s and hook export refuse a FIFO, a device and the empty name: exit 2, nothing sent", async () => {
    const fifo = join(m.shared, "pipe");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const as = ROOT ? { uid: VICTIM } : {};
    for (const target of [fifo, "/dev/null", ""]) {
      const r = await mmn(m.box, ["send", "hi", "-s", target], as);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(target ? /it is not a regular file/ : /the file name is empty/);
    }
    expect(server.requests).toEqual([]);
    expect((await mmn(m.box, ["send", "hi", "--id", "kept"], as)).code).toBe(0);
    const exported = await mmn(m.box, ["hook", "export", "kept", fifo], as);
    expect(exported.code).toBe(2);
    expect(exported.stderr).toContain("not a regular file");
  });
});

describe("what is attached is what the victim made, read through what was checked", () => {
  /** Everything the server was given as a file. */
  const uploaded = () => [...server.files.values()].map((f) => f.content.toString()).join("\n");
  /** A shell of the attacker's in the project directory. */
  const asAttacker = (script: string) =>
    Bun.spawn(["setpriv", `--reuid=${ATTACKER}`, `--regid=${ATTACKER}`, "--clear-groups", "--", "sh", "-c", script], {
      cwd: m.project,
    });

  asRoot(
    "--attach 'results/*' where results is their link to the victim's private directory: nothing through it",
    async () => {
      const mine = join(m.box.home, "private");
      mkdirSync(mine, { mode: 0o700 });
      writeFileSync(join(mine, "notes.txt"), "private results\n", { mode: 0o600 });
      for (const path of [mine, join(mine, "notes.txt")]) chownSync(path, VICTIM, VICTIM);
      const link = join(m.project, "results");
      symlinkSync(mine, link);
      lchownSync(link, ATTACKER, ATTACKER);
      const r = await mmn(m.box, ["run", "--attach", "results/*", "--", "true"], { uid: VICTIM });
      expect(r.code).toBe(0);
      expect(dm()[1]).toContain("\n(results: a symlink of another user's, nothing through it attached)");
      expect(uploaded()).not.toContain("private results");
    },
  );

  asRoot(
    "a file swapped with a link to the victim's token while runs attach it: the token is never uploaded",
    async () => {
      const token = join(m.box.home, ".mmnrc");
      // Renames, so that the name is always there: a plain file of theirs, then their link, as fast as they go.
      const swap = `const f = require("node:fs");
      for (let i = 0; i < 20_000_000 && (i % 1000 || !f.existsSync("stop")); i++) {
        f.rmSync("n", { force: true });
        if (i % 2) f.symlinkSync(${JSON.stringify(token)}, "n"); else f.writeFileSync("n", "plain");
        f.renameSync("n", "out.txt");
      }`;
      const swapper = Bun.spawn(
        ["setpriv", `--reuid=${ATTACKER}`, `--regid=${ATTACKER}`, "--clear-groups", "--", process.execPath, "-e", swap],
        { cwd: m.project },
      );
      try {
        for (let run = 0; run < 10; run++) {
          const r = await mmn(m.box, ["run", "--attach", "out.txt", "--", "true"], { uid: VICTIM });
          expect(r.code).toBe(0);
        }
      } finally {
        writeFileSync(join(m.project, "stop"), "");
        await swapper.exited;
      }
      expect(dm().filter((message) => message.startsWith("✅"))).toHaveLength(20);
      expect(uploaded()).not.toContain(server.token);
    },
  );

  asRoot(
    "--log renamed mid-run and replaced by their link to the token: the log attached is the one written",
    async () => {
      const go = join(m.project, "go");
      const job = `echo started; while [ ! -e ${go} ]; do sleep 0.02; done; echo finished`;
      for (const [how, log] of [
        ["--log", "job.log"],
        ["> job.out 2>&1 (Slurm's -o)", "job.out"],
      ] as const) {
        server.reset();
        const path = join(m.project, log);
        const args = [...MMN, "run", "--log", path, "--", "sh", "-c", job].map((a) => `'${a}'`).join(" ");
        const line = how === "--log" ? args : `${args} > ${path} 2>&1`;
        const run = Bun.spawn(
          ["setpriv", `--reuid=${VICTIM}`, `--regid=${VICTIM}`, "--clear-groups", "--", "sh", "-c", line],
          { cwd: m.project, env: m.box.env, stdout: "pipe", stderr: "pipe" },
        );
        await waitFor(() => fileHas(path, "started"), 10_000, `${log} to be written`);
        expect(
          await asAttacker(`mv ${log} moved.log && ln -s ${join(m.box.home, ".mmnrc")} ${log} && touch go`).exited,
        ).toBe(0);
        expect(await run.exited).toBe(0);
        Bun.spawnSync(["rm", "-f", go, join(m.project, "moved.log"), path]);
        expect(uploaded()).not.toContain(server.token);
        expect(uploaded()).toMatch(/started\n(mmn: .*\n)*finished\n$/);
      }
    },
  );

  asRoot("a --log file of theirs (they could read and rewrite it): refused before the command runs", async () => {
    const theirs = plant(join(m.project, "job.log"), "", 0o666);
    const ran = join(m.project, "ran");
    const r = await mmn(m.box, ["run", "--log", theirs, "--", "sh", "-c", `echo > ${ran}`], { uid: VICTIM });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `mmn: error: cannot use the log ${theirs}: it belongs to another user (uid ${ATTACKER})`,
    );
    expect(existsSync(ran)).toBe(false);
    expect(server.requests).toEqual([]);
  });
});
