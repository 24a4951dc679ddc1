import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  box = sandbox(server);
});

describe("mmn update", () => {
  test("by --id, with --append, and files as a reply", async () => {
    await mmn(box, ["send", "step 1", "-u", "alice", "--id", "u1"]);
    const post = [...server.posts.values()][0]!;
    expect((await mmn(box, ["update", "--id", "u1", "--append", "step 2"])).code).toBe(0);
    expect(server.posts.get(post.id)?.message).toBe("step 1\nstep 2");
    const f = box.write("out.csv", "1,2\n");
    const r = await mmn(box, ["update", "--id", "u1", "-f", f, "--json"]);
    expect(r.code).toBe(0);
    expect(server.posts.get(post.id)?.message).toBe("step 1\nstep 2");
    const reply = server.postsIn(post.channel_id)[1]!;
    expect(reply.root_id).toBe(post.id);
    expect(JSON.parse(r.stdout).post_id).toBe(reply.id);
  });

  test("by --hook FILE written elsewhere (the seed's format)", async () => {
    await mmn(box, ["send", "v1", "-c", "general", "--id", "shared", "-s", join(box.cwd, "shared.msg")]);
    const other = sandbox(server);
    const r = await mmn(other, ["update", "--hook", join(box.cwd, "shared.msg"), "v2"]);
    expect(r.code).toBe(0);
    expect(server.postsIn(server.channels.general.id)[0]?.message).toBe("v2");
  });

  test("an unknown id: exit 2, nothing sent", async () => {
    const r = await mmn(box, ["update", "--id", "never", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no message with id "never" is known here');
    expect(server.requests).toHaveLength(0);
  });

  test("neither or both of --id and --hook: exit 2", async () => {
    expect((await mmn(box, ["update", "x"])).code).toBe(2);
    expect((await mmn(box, ["update", "x", "--id", "a", "--hook", "b"])).code).toBe(2);
    const r = await mmn(box, ["update", "--hook", "/nonexistent.msg", "x"]);
    expect(r).toMatchObject({ code: 2 });
    expect(r.stderr).toContain("cannot read hook file /nonexistent.msg: no such file or directory");
  });

  test("a hook file with 3 lines is refused", async () => {
    const path = box.write("short.msg", "[Mattermost-Notify Message Hook]\nid\nchannel");
    const r = await mmn(box, ["update", "--hook", path, "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not a complete message hook");
  });
});

describe("mmn hook", () => {
  test("list, show, export, import, rm", async () => {
    await mmn(box, ["send", "x", "-u", "alice", "--id", "h1"]);
    const list = await mmn(box, ["hook", "list"]);
    expect(list.stdout).toMatch(/^h1\t\d{4}-\d\d-\d\dT[^\t]+\thttp:\/\/127\.0\.0\.1:\d+\tpost [a-z0-9]{26}\n$/);
    const show = await mmn(box, ["hook", "show", "h1"]);
    expect(show.stdout.split("\n")[0]).toBe("[Mattermost-Notify Message Hook]");
    expect((await mmn(box, ["hook", "export", "h1", "h1.msg"])).code).toBe(0);
    expect((await mmn(box, ["hook", "rm", "h1"])).code).toBe(0);
    expect((await mmn(box, ["hook", "show", "h1"])).code).toBe(2);
    expect((await mmn(box, ["hook", "import", "h1.msg"])).code).toBe(0);
    const post = [...server.posts.values()][0]!;
    const shown = {
      id: "h1",
      channel_id: post.channel_id,
      post_id: post.id,
      root_id: null,
      server: server.url,
      created_at: expect.any(String),
    };
    expect(JSON.parse((await mmn(box, ["hook", "show", "h1", "--json"])).stdout)).toEqual(shown);
    expect(JSON.parse((await mmn(box, ["hook", "list", "--json"])).stdout)).toEqual([shown]);
    expect((await mmn(box, ["update", "--id", "h1", "again"])).code).toBe(0);
  });

  test("a hook whose id cannot name a file in the store: import and update --hook refuse it, nothing sent", async () => {
    const path = box.write(
      "python.msg",
      `[Mattermost-Notify Message Hook]\nresults/run1\n${"c".repeat(26)}\n${"p".repeat(26)}`,
    );
    const imported = await mmn(box, ["hook", "import", path]);
    expect(imported.code).toBe(2);
    expect(imported.stderr).toContain('error: invalid message id "results/run1": it contains a slash');
    const updated = await mmn(box, ["update", "--hook", path, "x"]);
    expect(updated.code).toBe(2);
    expect(server.requests.filter((q) => q.method !== "GET")).toEqual([]);
  });

  test("MMN_HOOK_DIR moves the store", async () => {
    const dir = join(box.cwd, "hooks");
    await mmn(box, ["send", "x", "-u", "alice", "--id", "moved"], { env: { MMN_HOOK_DIR: dir } });
    expect(statSync(join(dir, "moved.msg")).isFile()).toBe(true);
  });

  test("bad actions and arities: exit 2", async () => {
    expect((await mmn(box, ["hook", "frobnicate"])).code).toBe(2);
    expect((await mmn(box, ["hook", "show"])).code).toBe(2);
    expect((await mmn(box, ["hook", "rm", "../x"])).code).toBe(2);
  });
});

describe("mmn test", () => {
  test("reports server, token, version, team and default target", async () => {
    const withUser = sandbox(server, { user: "alice" });
    const r = await mmn(withUser, ["test", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      ok: true,
      url: server.url,
      version: "10.5.0",
      team: "research",
      default_user: "alice",
      user: { username: "notify-bot", is_bot: true },
    });
    expect(out.checks.map((c: { name: string }) => c.name)).toEqual([
      "server",
      "token",
      "version",
      "team",
      "default user",
    ]);
    expect(server.requests.filter((q) => q.method !== "GET")).toEqual([]);
  });

  test("a team the server answers without display_name is shown by its name", async () => {
    server.addTeam("unnamed");
    const r = await mmn(sandbox(server, { team: "unnamed" }), ["test"]);
    expect(r.stderr).not.toContain("undefined");
    expect(r.stderr).toContain("✔ team            unnamed\n");
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => q.path)).toContain("/api/v4/teams/name/unnamed");
  });

  test("lines stay in order when stderr is a file, as in a batch job", async () => {
    const withUser = sandbox(server, { user: "alice" });
    const r = await mmn(withUser, ["test"], { stderrFile: join(withUser.cwd, "test.err") });
    expect(r.code).toBe(0);
    expect(
      r.stderr
        .trimEnd()
        .split("\n")
        .map((line) => line.split(/ +/)[1]),
    ).toEqual(["server", "token", "version", "team", "default"]);
    const failed = await mmn(withUser, ["send", "x", "-u", "nobody"], { stderrFile: join(withUser.cwd, "send.err") });
    expect(failed.stderr).toBe(
      "error: no user named @nobody on this server\nhint: check the spelling: it is the username, not the display name\n",
    );
  });

  test("a bad token is exit 3 (configuration), an unreachable server exit 1; each says which", async () => {
    const r = await mmn(box, ["test"], { env: { MMN_TOKEN: "nope-nope-nope" } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/✔ version +Mattermost 10\.5\.0, upload limit not told\n/);
    expect(r.stderr).toMatch(/✔ server/);
    expect(r.stderr).toMatch(/✖ token +the server rejected the token/);
    const down = await mmn(box, ["test"], { env: { MMN_URL: "http://127.0.0.1:1" } });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/✖ server +could not reach 127\.0\.0\.1:1: connection refused/);
  });

  test("a default channel the bot is not in fails, with what to do; an argument is refused", async () => {
    const r = await mmn(sandbox(server, { channel: "no-bot" }), ["test"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "✖ default channel the bot is not a member of ~no-bot: it could not post there (add it (in Mattermost: /invite @notify-bot))",
    );
    const quiet = await mmn(sandbox(server, { channel: "no-bot" }), ["test", "-q"]);
    expect(quiet).toMatchObject({
      code: 1,
      stderr:
        "✖ default channel the bot is not a member of ~no-bot: it could not post there (add it (in Mattermost: /invite @notify-bot))\n",
    });
    const extra = await mmn(box, ["test", "extra"]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toBe('error: mmn test takes no arguments, got "extra"\n');
    expect(server.requests.filter((q) => q.method !== "GET")).toEqual([]);
  });
});

describe("help and version", () => {
  test("--version, --help, and help for a command with examples", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dir, "../../package.json"), "utf8"));
    expect((await mmn(box, ["--version"])).stdout).toBe(`${pkg.version}\n`);
    // After a command too, as its help says: the version, and nothing run or sent.
    for (const args of [
      ["send", "x", "-u", "alice", "-V"],
      ["setup", "--version"],
      ["run", "--version", "--", "touch", "ran"],
    ]) {
      expect(await mmn(box, args)).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    }
    expect(server.requests).toEqual([]);
    expect(existsSync(join(box.cwd, "ran"))).toBe(false);
    const help = await mmn(box, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Commands:");
    const sendHelp = await mmn(box, ["send", "--help"]);
    expect(sendHelp.stdout).toContain("--reply-to");
    expect(sendHelp.stdout).toContain("Examples:");
    expect(sendHelp.stdout).toContain("Global options:\n  --config FILE");
    expect(sendHelp.stdout).not.toContain("\x1b[");
    expect(sendHelp.stdout).not.toMatch(/[ \t]$/m);
  });
});

test.if(existsSync("/dev/full"))("output that cannot be written (a full disk) is exit 1, said on stderr", async () => {
  const proc = Bun.spawn([...MMN, "--version"], { env: box.env, stdout: Bun.file("/dev/full"), stderr: "pipe" });
  expect(await new Response(proc.stderr).text()).toBe("error: could not write the output: no space left on device\n");
  expect(await proc.exited).toBe(1);
});

describe("mmn completion", () => {
  test("bash: valid syntax, completes commands and each command's flags", async () => {
    const r = await mmn(box, ["completion", "bash"]);
    expect(r.code).toBe(0);
    const path = box.write("mmn.bash", r.stdout);
    const complete = async (words: string) => {
      const script = `source ${path} && COMP_WORDS=(${words}) && COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)) && _mmn && echo "\${COMPREPLY[@]}"`;
      const check = Bun.spawn(["bash", "-c", script], { cwd: box.cwd, stdout: "pipe", stderr: "pipe" });
      expect(await check.exited).toBe(0);
      return (await new Response(check.stdout).text()).trim();
    };
    expect(await complete("mmn send --re")).toBe("--reply-to");
    expect(await complete("mmn --config x.rc send --j")).toBe("--json");
    expect(await complete("mmn -q hook e")).toBe("export");
    expect(await complete("mmn run -- ech")).toContain("echo");
    expect(await complete("mmn run -- python3 tr")).toBe("");
    expect(await complete("mmn run --title x ech")).toContain("echo");
    expect(await complete("mmn run echo -")).toBe("");
    expect(await complete("mmn run --on f")).toBe("failure");
  });

  test.if(Bun.which("zsh") !== null)("zsh: valid syntax", async () => {
    const path = box.write("_mmn", (await mmn(box, ["completion", "zsh"])).stdout);
    expect(await Bun.spawn(["zsh", "-n", path]).exited).toBe(0);
  });

  test.if(Bun.which("fish") !== null)(
    "fish: files where a file may go, shells after completion, the command run wraps",
    async () => {
      const path = box.write("mmn.fish", (await mmn(box, ["completion", "fish"])).stdout);
      const complete = async (line: string) => {
        const check = Bun.spawn(["fish", "-c", `source ${path}; complete -C"${line}"`], { stdout: "pipe" });
        return (await new Response(check.stdout).text())
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split("\t")[0]);
      };
      expect(await complete(`mmn setup --token-file ${box.cwd}/mmn.`)).toEqual([`${box.cwd}/mmn.fish`]);
      expect(await complete("mmn completion ")).toEqual(["bash", "fish", "zsh"]);
      // The command run wraps: a command's name, then none of mmn's options.
      expect(await complete("mmn run --title x ech")).toContain("echo");
      expect(await complete("mmn run echo --hid")).toEqual([]);
      expect(await complete("mmn run --hid")).toEqual(["--hide-command"]);
      expect(await complete("mmn run --on ")).toEqual(["always", "failure"]);
    },
  );

  test("zsh and fish; an unknown shell is exit 2", async () => {
    expect((await mmn(box, ["completion", "zsh"])).stdout).toStartWith("#compdef mmn");
    expect((await mmn(box, ["completion", "fish"])).stdout).toContain(
      'complete -c mmn -n "__fish_seen_subcommand_from run; and not __mmn_wrapped first; and not __mmn_wrapped rest" -l no-logs\n',
    );
    expect((await mmn(box, ["completion", "tcsh"])).code).toBe(2);
    expect(await mmn(box, ["completion", "bash", "zsh"])).toMatchObject({
      code: 2,
      stderr: "error: name one shell, got 2: bash zsh\n",
    });
  });
});

// Issue 17, item 5: a `mmn run` that a batch script merely starts is killed with it, unreported.
test("every batch example in `mmn --help`, `mmn run --help` and README execs mmn, as it must to report a scancel", async () => {
  const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
  const help = (await mmn(box, ["--help"])).stdout;
  const runHelp = (await mmn(box, ["run", "--help"])).stdout;
  expect(help).toContain('sbatch --wrap "exec mmn run -c hpc-jobs -- ./simulate"');
  for (const text of [help, runHelp, readme]) {
    for (const wrapped of text.matchAll(/--wrap[ =]["']([^"']*)/g)) expect(wrapped[1]).toStartWith("exec ");
    // A batch script's `mmn run` (a code block with #SBATCH) is its last command, exec'd.
    const scripts = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((s) => s.includes("#SBATCH"));
    for (const script of scripts)
      for (const line of script.split("\n").filter((l) => /^\s*(?:\S+=\S+\s+)*mmn run\b/.test(l)))
        expect(line).toMatch(/^\s*exec /);
    // And one in the text: wrapping an srun step or naming the job's variables, it is in a batch script.
    for (const line of text.split("\n").filter((l) => /mmn run [^`]*(?:-- srun|\$SLURM_)/.test(l)))
      expect(line).toContain("exec mmn run");
  }
  expect(runHelp).toContain('exec mmn run --id "sim-$SLURM_JOB_ID"');
});
