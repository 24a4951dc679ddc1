/**
 * A server that is broken or hostile, and input without end: mmn must end, print nothing a
 * terminal acts on, count nothing as sent that was not, and follow no redirect.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chownSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { httpsFront, TEST_CA } from "../helpers/https-front.ts";
import { outputOf } from "../helpers/output.ts";
import { bomb } from "../server/bomb.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  box = sandbox(server, { user: "alice" });
});

const dm = () => server.postsIn(server.dmChannelWith(server.users.alice.id)?.id ?? "").map((p) => p.message);
/** A shell line running mmn with stdin, or a file flag, from /dev/zero. */
async function shell(line: string, env: Record<string, string> = {}) {
  const command = line.replaceAll("MMN", MMN.map((part) => `'${part}'`).join(" "));
  const proc = Bun.spawn(["bash", "-c", command], {
    cwd: box.cwd,
    env: { ...box.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, code } = await outputOf(proc);
  return { stdout, stderr, code };
}

describe("input without end is bounded", () => {
  test("stdin from /dev/zero: exit 2, nothing sent", async () => {
    const r = await shell("MMN send -u alice < /dev/zero");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: the message on stdin is larger than 64 KiB: nothing was sent\n");
    expect(server.requests).toEqual([]);
  });

  test("5 MB of stdin are refused, not sent as 300 posts", async () => {
    const r = await mmn(box, ["send", "-u", "alice"], { stdin: "line\n".repeat(1_000_000) });
    expect(r.code).toBe(2);
    expect(server.posts.size).toBe(0);
  });

  test("--token-file /dev/zero and MMN_CONFIG=/dev/zero: refused, at once", async () => {
    const token = await mmn(box, ["setup", "--url", server.url, "--token-file", "/dev/zero", "--yes"]);
    expect(token.code).toBe(2);
    expect(token.stderr).toContain("error: cannot read the token file /dev/zero: not a regular file\n");
    const piped = await shell(`MMN setup --url ${server.url} --token-file - --yes < /dev/zero`);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain(
      "error: cannot read the token file (stdin): larger than 4096 bytes: is it the right file?\n",
    );
    const config = await mmn(box, ["send", "hi"], { env: { MMN_CONFIG: "/dev/zero" } });
    expect(config.code).toBe(3);
    expect(config.stderr).toBe("error: cannot read config file /dev/zero: not a regular file\n");
  });

  test("a reply without end (endless chunked JSON): one clear error, exit 1", async () => {
    server.fault({ kind: "flood", path: "/api/v4/users/username/alice" });
    const r = await mmn(box, ["send", "hi"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: unexpected reply from the server (HTTP 200): its answer is larger than 4 MiB\n");
    expect(server.posts.size).toBe(0);
  });
});

describe("a compressed bomb is bounded by what it decodes to", () => {
  /**
   * mmn send, with its peak memory as GNU time reads it from wait4 (Bun.spawn's own count would
   * start from this process's peak: a child made with vfork inherits it at exec).
   */
  async function sendMeasured() {
    const file = join(box.home, "peak");
    const time = existsSync("/usr/bin/time") ? ["/usr/bin/time", "-f", "%M", "-o", file] : [];
    // A 500 is tried again until --timeout: a second is three reads of the bomb, not six.
    const proc = Bun.spawn([...time, ...MMN, "send", "hi", "--timeout", "1"], {
      cwd: box.cwd,
      env: box.env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = await outputOf(proc);
    return { ...out, peakMiB: time.length ? Number(readFileSync(file, "utf8").trim().split("\n").at(-1)) / 1024 : 0 };
  }

  test("1 GiB of brotli in 190 KB with its Content-Length: 'larger than 4 MiB', under 100 MB of memory", async () => {
    await bomb("br", 1024 ** 3);
    server.fault({ kind: "bomb", encoding: "br", path: "/api/v4/users/username/alice" });
    const r = await sendMeasured();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "error: unexpected reply from the server (HTTP 200): its answer is larger than 4 MiB once decoded (br)\n",
    );
    expect(r.peakMiB).toBeLessThan(100);
    expect(server.posts.size).toBe(0);
  });

  test("an answer compressed though mmn asked for identity is still read (gzip and br)", async () => {
    server.fault({ kind: "status", status: 200, encoding: "gzip", path: "/api/v4/users/me", body: server.bot });
    server.fault({
      kind: "status",
      status: 200,
      encoding: "br",
      path: "/api/v4/users/username/alice",
      body: server.users.alice,
    });
    const r = await mmn(box, ["send", "hi"]);
    expect(r.stderr).toMatch(/^✔ sent \(post [a-z0-9]{26}\)\n$/);
    expect(r.code).toBe(0);
    expect(dm()).toEqual(["hi"]);
    expect(server.requests.every((q) => q.headers["accept-encoding"] === "identity")).toBe(true);
  });

  test("an error page of 256 MiB of gzip is read up to 64 KiB: the status is what is said", async () => {
    await bomb("gzip", 256 * 1024 * 1024);
    server.fault({ kind: "bomb", encoding: "gzip", status: 500, decodedBytes: 256 * 1024 * 1024, method: "POST" });
    const r = await sendMeasured();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: Internal Server Error (HTTP 500)");
    expect(r.peakMiB).toBeLessThan(100);
    expect(server.posts.size).toBe(0);
  });
});

describe("the server's words reach the terminal as one clean line", () => {
  test("escape sequences and line breaks are taken out; a 10 MB message is cut to a line, once per retry at most", async () => {
    const message = `\x1b[2J\x1b]0;pwned\x07boom\r\nsecond line\x1b[31m red ${"x".repeat(10 * 1024 * 1024)}`;
    server.fault({ kind: "status", status: 503, body: { id: "x", message, status_code: 503 } });
    const r = await mmn(box, ["send", "hi", "--timeout", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(r.stderr.length).toBeLessThan(2000);
    expect(r.stderr).toContain("error: boom second line red xxxx");
  });

  test("bidi controls and zero-width characters are taken out: the text reads as it is", async () => {
    // "Trojan Source": U+202E shows "txt.exe" as "exe.txt"; U+2066–2069 isolate; U+200B–200F, U+FEFF, U+2060 hide.
    const message =
      "file \u202Eexe.txt\u202C is \u2066bad\u2069 \u200Bzero\u200C\u200D\u200E\u200F\uFEFF\u2060\u061C width";
    server.fault({ kind: "status", status: 400, body: { id: "x", message, status_code: 400 } });
    const r = await mmn(box, ["send", "hi"]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\p{Cf}/u);
    expect(r.stderr).toContain("error: file exe.txt is bad zero width (HTTP 400)\n");
  });
});

describe("what fetch says is told in mmn's words", () => {
  /** A listener that answers every request with `answer` and closes: not HTTP, or cut short. */
  async function rawServer(answer: string) {
    const listener = createServer((socket) => socket.once("data", () => socket.end(answer)));
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(listener.address() as AddressInfo).port}`, close: () => listener.close() };
  }

  for (const [name, answer, words] of [
    [
      "an answer that is not HTTP",
      "SSH-2.0-OpenSSH_9.6\r\n\r\n",
      "its answer is not HTTP (is something else listening at that address and port?)",
    ],
    [
      "a chunked body that is not chunks",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "its answer is not HTTP",
    ],
    [
      "a connection closed mid-answer",
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{",
      "connection closed by the server",
    ],
  ] as const) {
    test(`${name}: no "pass verbose: true … fetch()", the cause in words`, async () => {
      const raw = await rawServer(answer);
      try {
        // Tried again until --timeout (each answer the same at once): the last one's words are told.
        const r = await mmn(box, ["send", "hi", "--timeout", "1"], { env: { MMN_URL: raw.url } });
        expect(r.code).toBe(1);
        expect(r.stderr).not.toContain("verbose");
        expect(r.stderr).not.toContain("fetch()");
        expect(r.stderr).toContain(`error: could not reach ${raw.url.slice(7)}: ${words}`);
      } finally {
        raw.close();
      }
    });
  }
});

describe("a 2xx that is not what was asked for counts as nothing", () => {
  for (const [name, body] of [
    ["{}", {}],
    ["[]", []],
    ["42", 42],
    ["null", null],
    ["an HTML page", "<html><body>Sign in</body></html>"],
    ["a channel id with a line break", { id: "p".repeat(26), channel_id: `${"c".repeat(26)}\nEVIL` }],
  ] as const) {
    test(`${name}: exit 1, "unexpected reply", no hook written`, async () => {
      server.fault({ kind: "status", method: "POST", path: "/api/v4/posts", status: 201, body });
      const r = await mmn(box, ["send", "hi", "--id", "shape"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: unexpected reply from the server \(HTTP 201\): /);
      expect(r.stderr).not.toContain("sent (post");
      expect(existsSync(join(box.home, ".local/state/mmn/hooks/shape.msg"))).toBe(false);
    });
  }
});

describe("redirects are not followed", () => {
  test("http → https (nginx's usual 301): exit 3, told which URL to configure, one request", async () => {
    server.fault({
      kind: "status",
      status: 301,
      headers: { Location: "https://127.0.0.1/api/v4/users/username/alice" },
      body: "",
    });
    const r = await mmn(box, ["send", "hi"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "error: the server redirects to https://127.0.0.1 (HTTP 301)\nhint: set url=https://127.0.0.1 in the configuration (or MMN_URL)\n",
    );
    // The user and the bot are looked up side by side: each once, none repeated or followed.
    const asked = server.requests.map((r) => `${r.status} ${r.path}`);
    expect(asked.sort()).toEqual(["301 /api/v4/users/me", "301 /api/v4/users/username/alice"]);
  });

  test("to another host (a login page, a portal): said as such, url= suggested only if it is the server", async () => {
    server.fault({
      kind: "status",
      status: 302,
      headers: { Location: "https://sso.example.com/login?return=/api/v4/users/me" },
      body: "",
    });
    const r = await mmn(box, ["send", "hi"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "error: the server redirects to another host, https://sso.example.com/login (HTTP 302)\n" +
        "hint: set url=https://sso.example.com/login (or MMN_URL) only if that is your Mattermost server: the token would go there\n",
    );
  });

  test("a 307 on the post does not carry the message elsewhere", async () => {
    const other = await startTestServer();
    try {
      server.fault({
        kind: "status",
        method: "POST",
        path: "/api/v4/posts",
        status: 307,
        headers: { Location: `${other.url}/api/v4/posts` },
        body: "",
      });
      const r = await mmn(box, ["send", "secret", "-u", "alice"]);
      expect(r.code).toBe(3);
      expect(other.requests).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe("the token stays ours", () => {
  test("a token with a zero-width space: exit 3 before any request, said as a bad token, never tried again", async () => {
    const token = `${server.token.slice(0, 8)}\u200b${server.token.slice(8)}`;
    const r = await mmn(box, ["send", "hi"], { env: { MMN_TOKEN: token } });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "error: the token in $MMN_TOKEN holds an invisible character (U+200B) at position 9, which no token has\n" +
        "hint: copy the token again, as plain text (Integrations → Bot Accounts)\n",
    );
    expect(server.requests).toEqual([]);
    const run = await mmn(box, ["run", "--", "echo", "ran"], { env: { MMN_TOKEN: token } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("ran\n");
    expect(run.stderr).toContain("mmn: the token in $MMN_TOKEN holds an invisible character (U+200B)");
    expect(server.requests).toEqual([]);
  });

  test("NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn certificate checks off: said, and refused", async () => {
    const front = httpsFront(server.url);
    try {
      const env = { MMN_URL: front.url, NODE_TLS_REJECT_UNAUTHORIZED: "0" };
      const r = await mmn(box, ["send", "hi"], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "warning: NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: mmn always checks the server's certificate",
      );
      expect(r.stderr).toContain("its certificate is not trusted");
      expect(server.requests).toEqual([]);
      expect((await mmn(box, ["send", "hi"], { env: { ...env, MMN_CA: TEST_CA } })).code).toBe(0);
    } finally {
      front.stop();
    }
  });

  test("a URL with a user name and password is refused, and the password is not shown", async () => {
    const url = server.url.replace("http://", "http://admin:hunter2secret@");
    const r = await mmn(box, ["send", "hi"], { env: { MMN_URL: url } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("the server URL (from $MMN_URL) holds a user name or password");
    expect(r.stderr).not.toContain("hunter2secret");
    expect(server.requests).toEqual([]);
  });

  test("the command run by mmn cannot read MMN_TOKEN from mmn's /proc/PID/environ", async () => {
    writeFileSync(join(box.home, ".mmnrc"), `url=${server.url}\nteam=research\nuser=alice\n`, { mode: 0o600 });
    // Root reads every process's environ: the user is someone else then.
    const uid = process.geteuid?.() === 0 ? 4243 : undefined;
    if (uid !== undefined) for (const path of [box.home, box.cwd, join(box.home, ".mmnrc")]) chownSync(path, uid, uid);
    const r = await mmn(
      box,
      ["run", "--", "sh", "-c", 'cat /proc/$PPID/environ | tr "\\0" "\\n" | grep -c MMN_TOKEN; true'],
      {
        env: { MMN_TOKEN: server.token },
        ...(uid === undefined ? {} : { uid }),
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(server.token);
    expect(r.stderr).toContain("Permission denied");
    expect(dm().join("\n")).not.toContain(server.token);
  });
});

describe("a server that never answers", () => {
  test("send gives up at --timeout with all its repeats, and says so", async () => {
    server.fault({ kind: "hang" });
    const r = await mmn(box, ["send", "hi", "--timeout", "0.5"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: could not reach 127\.0\.0\.1:\d+: no answer within 0\.5 s\n/);
  });

  test("--json: a failure is one object on stdout too", async () => {
    const r = await mmn(box, ["send", "hi", "-u", "nobody-here", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      error: "no user named @nobody-here on this server",
      exit: 1,
      hint: expect.any(String),
    });
    const usage = await mmn(box, ["send", "--json", "--id", "a/b", "hi"]);
    expect(JSON.parse(usage.stdout)).toMatchObject({ ok: false, exit: 2 });
  });
});

describe("no core dump holds the token", () => {
  test("mmn send leaves every mapping out of a dump while it holds the token (coredump_filter 0)", async () => {
    const held = server.hold("POST", "/api/v4/posts");
    const proc = Bun.spawn([...MMN, "send", "hi"], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" });
    await held.arrived;
    // Under `bun main.ts` (no MMN_BIN) the process is bun itself: the same code runs.
    const filter = readFileSync(`/proc/${proc.pid}/coredump_filter`, "utf8").trim();
    held.release();
    expect(await proc.exited).toBe(0);
    expect(filter).toBe("00000000");
  });
});
