// Webhook mode through the binary: url=…/hooks/KEY without a token.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { waitFor } from "../run/helpers.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let hook: { id: string; url: string };
let box: Sandbox;

/** A user configured with the webhook only: its key is a secret no output may hold. */
function hookBox(extra = ""): Sandbox {
  const b = sandbox();
  writeFileSync(join(b.home, ".mmnrc"), `url=${hook.url}\n${extra}`, { mode: 0o600 });
  b.secrets.push(hook.id);
  return b;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.settings.incomingWebhooks = true;
  server.settings.postPriority = "off";
  hook = server.addWebhook(server.channels.general);
  box = hookBox();
});

const hookCalls = () => server.requests.filter((r) => r.path.startsWith("/hooks/"));

describe("mmn send through an incoming webhook", () => {
  test("posts in the hook's channel, with no token and no API call", async () => {
    const r = await mmn(box, ["send", "build done"]);
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(r.stderr).toBe("✔ sent through the incoming webhook (it names no post)\n");
    expect(server.requests.map((q) => `${q.method} ${q.path}`)).toEqual([`POST /hooks/${hook.id}`]);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.body).toEqual({ text: "build done" });
    expect(server.postsIn(server.channels.general.id).map((p) => p.message)).toEqual(["build done"]);
  });

  test("-c names another channel, -u a user (a DM from the hook's owner); --json has no post id", async () => {
    expect((await mmn(box, ["send", "to town", "-c", "town-square"])).code).toBe(0);
    expect(server.postsIn(server.channels.townSquare.id).map((p) => p.message)).toEqual(["to town"]);
    const r = await mmn(box, ["send", "to bob", "-u", "bob", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ post_id: null, action: "sent" });
    expect(hookCalls().map((q) => q.body)).toEqual([
      { text: "to town", channel: "town-square" },
      { text: "to bob", channel: "@bob" },
    ]);
  });

  test("a configuration file others can read is warned of, as one holding a token", async () => {
    chmodSync(join(box.home, ".mmnrc"), 0o644);
    const r = await mmn(box, ["send", "x"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("holds a webhook's URL and other users can read it: run `chmod 600");
  });

  test("what a webhook cannot do is refused before anything is sent", async () => {
    const file = box.write("a.txt", "x");
    for (const args of [
      ["send", "x", "-f", file],
      ["send", "x", "--id", "job"],
      ["send", "x", "--reply-to", "job"],
      ["send", "x", "--save-hook", "hook.json"],
    ]) {
      const r = await mmn(box, args);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/an incoming webhook cannot/);
    }
    expect(server.requests).toEqual([]);
  });

  test("a deleted, disabled or locked hook: the server's words and what to do, never the key", async () => {
    const locked = server.addWebhook(server.channels.general, { locked: true });
    const lockedBox = hookBox();
    writeFileSync(join(lockedBox.home, ".mmnrc"), `url=${locked.url}\n`);
    lockedBox.secrets.push(locked.id);
    const r1 = await mmn(lockedBox, ["send", "x", "-c", "town-square", "--verbose"]);
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toContain("This webhook is not permitted to post to the requested channel. (HTTP 403)");
    expect(r1.stderr).toContain("may post only in its own channel");
    expect(r1.stderr).toContain("/hooks/…");

    server.settings.incomingWebhooks = false;
    const r2 = await mmn(box, ["send", "x"]);
    expect(r2.stderr).toContain("Incoming webhooks have been disabled by the system admin. (HTTP 501)");
    server.settings.incomingWebhooks = true;

    server.deleteWebhook(hook.id);
    const r3 = await mmn(box, ["send", "x", "--json"]);
    expect(r3.code).not.toBe(0);
    expect(r3.stdout + r3.stderr).toContain("Invalid webhook. (HTTP 400)");
    expect(r3.stdout + r3.stderr).toContain("the webhook was deleted");
    // Not repeated: a webhook has no deduplication, and a 4xx is no reason anyway.
    expect(hookCalls().filter((q) => q.path === `/hooks/${hook.id}`)).toHaveLength(2);
  });

  test("the key stays out of a 404's error, of MMN_URL's job environment and of mmn test", async () => {
    server.fault({ kind: "status", status: 404, path: `/hooks/${hook.id}`, body: `no page at /hooks/${hook.id}` });
    const r = await mmn(box, ["send", "x", "--verbose"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("(HTTP 404)");
    server.clearFaults();
    const env = sandbox();
    env.secrets.push(hook.id);
    const run = await mmn(env, ["run", "--", "sh", "-c", "env; echo done"], {
      env: { MMN_URL: hook.url, MMN_TEST_FINISH_MS: "3000" },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("done");
    const test_ = await mmn(box, ["test"]);
    expect(test_.code).toBe(0);
    expect(test_.stderr).toContain("/hooks/…");
    // Nor in any file mmn left in the home.
    const files = readdirSync(box.home, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    for (const f of files)
      expect(readFileSync(join(f.parentPath, f.name), "utf8").includes(hook.id)).toBe(f.name === ".mmnrc");
  });
});

describe("mmn run through an incoming webhook", () => {
  const finish = { MMN_TEST_FINISH_MS: "3000" };

  test("a start message and a final one with the tail inline; nothing edited, nothing uploaded", async () => {
    const r = await mmn(box, ["run", "-c", "town-square", "--", "sh", "-c", "echo one; echo two; exit 3"], {
      env: finish,
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("one\ntwo\n");
    expect(r.stderr).toContain("a start message and a final one (a webhook cannot edit)");
    const posts = server.postsIn(server.channels.townSquare.id).map((p) => p.message);
    expect(posts).toHaveLength(2);
    expect(posts[0]).toMatch(/^⏳ \*\*.*\*\* is running on /);
    expect(posts[1]).toMatch(/^❌ \*\*.*\*\* failed with exit code 3 on /);
    expect(posts[1]).toContain("one\ntwo");
    expect(server.requests.every((q) => q.method === "POST" && q.path === `/hooks/${hook.id}`)).toBe(true);
  });

  test("a failure's final message goes urgent where the server allows, plain where it does not", async () => {
    server.settings.postPriority = "licensed";
    expect((await mmn(box, ["run", "--", "false"], { env: finish })).code).toBe(1);
    const [start, final] = server.postsIn(server.channels.general.id);
    expect(start?.metadata.priority).toBeUndefined();
    expect(final?.metadata.priority as unknown).toEqual({
      priority: "urgent",
      requested_ack: true,
      persistent_notifications: true,
    });
    server.reset();
    server.settings.postPriority = "off";
    const r = await mmn(box, ["--verbose", "run", "--", "false"], { env: finish });
    expect(r.code).toBe(1);
    const posts = server.postsIn(server.channels.general.id);
    expect(posts).toHaveLength(2);
    expect(posts[1]?.message).toMatch(/^❌ /);
    expect(posts[1]?.metadata.priority).toBeUndefined();
    expect(r.stderr).toContain("the server allows no message priority here: the failure is told without");
  });

  test("the final message keeps within the server's limit: the tail's first lines go", async () => {
    const script =
      // The 60 x made once: the lines as before, without 800 processes for them.
      "x=$(printf 'x%.0s' $(seq 60)); i=0; while [ $i -lt 400 ]; do printf 'line %04d %s\\n' $i \"$x\"; i=$((i+1)); done";
    const r = await mmn(box, ["run", "--tail", "400", "--", "sh", "-c", script], { env: finish });
    expect(r.code).toBe(0);
    const final = server.postsIn(server.channels.general.id).at(-1)!.message;
    expect([...final].length).toBeLessThanOrEqual(16383);
    expect(final).toContain("line 0399");
    expect(final).not.toContain("line 0000");
    expect(final).toContain("more do not fit in one post");
  });

  test("--urgent time-limit-90: the warning goes urgent where the server allows, plain where it does not", async () => {
    const now = Math.floor(Date.now() / 1000);
    // 100 s into a limit of 108: the 90 % warning is past at the start, said a moment after it.
    const slurm = {
      ...finish,
      SLURM_JOB_ID: "78",
      SLURM_JOB_NAME: "sweep",
      SLURM_JOB_START_TIME: String(now - 100),
      SLURM_JOB_END_TIME: String(now + 8),
      PATH: `/nonexistent:${box.env.PATH}`,
      // Said 0.1 s after the start, not 1 s.
      MMN_TEST_LATE_WARNING_MS: "100",
    };
    const warned = async () => {
      const proc = Bun.spawn(
        [...MMN, "run", "--urgent", "time-limit-90", "--", "sh", "-c", "while [ ! -e go ]; do sleep 0.05; done"],
        { cwd: box.cwd, env: { ...box.env, ...slurm }, stdout: "pipe", stderr: "pipe" },
      );
      const posts = () => server.postsIn(server.channels.general.id);
      await waitFor(() => posts().some((p) => p.message.includes("⏰")), 15_000, "the warning");
      writeFileSync(join(box.cwd, "go"), "");
      expect(await proc.exited).toBe(0);
      rmSync(join(box.cwd, "go"));
      return posts().find((p) => p.message.includes("⏰"));
    };
    server.settings.postPriority = "licensed";
    const urgent = await warned();
    expect(urgent?.message).toMatch(/^⏰ \*\*sweep 78\*\* has \ds left/);
    expect((urgent?.metadata.priority as { priority?: string } | undefined)?.priority).toBe("urgent");
    server.reset();
    server.settings.postPriority = "off";
    expect((await warned())?.metadata.priority).toBeUndefined();
  });

  test("--save-hook: said at the start that nothing will be written; the command runs, its exit code kept", async () => {
    const r = await mmn(box, ["run", "--save-hook", "job.hook", "--", "sh", "-c", "echo ran; exit 3"], {
      env: finish,
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("ran\n");
    expect(r.stderr).toContain(
      "--save-hook job.hook: nothing will be written there: a webhook's posts cannot be edited, so there is no hook to save",
    );
    expect(readdirSync(box.cwd)).not.toContain("job.hook");
    expect(server.postsIn(server.channels.general.id)).toHaveLength(2);
  });

  test("--on failure: one message, and only for a failure; a refused hook never changes the exit code", async () => {
    expect((await mmn(box, ["run", "--on", "failure", "--", "true"], { env: finish })).code).toBe(0);
    expect(server.requests).toEqual([]);
    server.deleteWebhook(hook.id);
    const r = await mmn(box, ["run", "--", "sh", "-c", "exit 5"], { env: finish });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("Invalid webhook. (HTTP 400)");
  });
});

describe("mmn setup with an incoming webhook", () => {
  test("--webhook-file -: checked without a post, written 0600 with no token, the key never shown", async () => {
    const b = sandbox(server, { user: "alice" });
    b.secrets.push(hook.id);
    const r = await mmn(b, ["setup", "--webhook-file", "-", "-c", "town-square", "--yes"], { stdin: `${hook.url}\n` });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("it takes incoming webhooks (");
    expect(r.stderr).toContain("/hooks/…)");
    expect(server.posts.size).toBe(0);
    const file = join(b.home, ".mmnrc");
    const written = readFileSync(file, "utf8");
    expect(written).toContain(`url=${hook.url}\n`);
    expect(written).toContain("channel=town-square\n");
    expect(written).not.toContain("token=");
    expect(written).not.toContain("user=");
    expect((await Bun.file(file).stat()).mode & 0o777).toBe(0o600);
    expect((await mmn(b, ["send", "set up"])).code).toBe(0);
    expect(server.postsIn(server.channels.townSquare.id).map((p) => p.message)).toEqual(["set up"]);
  });

  test("a hook the server does not take (webhooks off): nothing written", async () => {
    server.settings.incomingWebhooks = false;
    const b = sandbox();
    b.secrets.push(hook.id);
    const r = await mmn(b, ["setup", "--webhook-file", "-", "--yes"], { stdin: hook.url });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("(HTTP 501)");
    expect(readdirSync(b.home)).toEqual([]);
  });
});
