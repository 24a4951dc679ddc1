import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatBytes } from "../../src/base/bytes.ts";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, cardField, statusCard, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// Grouped as README's `mmn run` section numbers what mmn run does: 4 to 6 here, 1 to 3 in run.test.ts
// (two files, so that neither sets the suite's critical path).

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const dmPosts = () => alicePosts(server);
const patches = () => server.requests.filter((r) => r.method === "PUT");
/** Live edits every 200 ms: below the 1 s a user may ask for, so that a test need not run for seconds. */
const fast = { MMN_TEST_INTERVAL_MS: "200" };
/** The pids of the processes whose command line holds this word. */
const commandsRunning = (word: string) =>
  readdirSync("/proc").filter((pid) => {
    try {
      return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(word);
    } catch {
      return false;
    }
  });

describe("4. the end", () => {
  test("success: a green card; --title, --hide-command, --mention, --no-logs", async () => {
    const r = await mmn(box, [
      "run",
      "--title",
      "nightly build",
      "--hide-command",
      "--mention",
      "--no-logs",
      "--",
      "bash",
      "-c",
      "echo secret-arg-free output",
    ]);
    expect(r.code).toBe(0);
    const [status, reply] = dmPosts();
    expect(status!.message).toStartWith("✅ **nightly build** succeeded on ");
    expect(statusCard(status!).color).toBe("good");
    expect(JSON.stringify(status)).not.toContain("bash -c");
    expect(reply!.message).toStartWith("@alice ✅ **nightly build** succeeded");
    expect(reply!.file_ids ?? []).toEqual([]);
  });

  test("--on failure: silent when the command succeeds, a message when it fails", async () => {
    expect((await mmn(box, ["run", "--on", "failure", "--", "true"])).code).toBe(0);
    expect(server.requests.filter((q) => q.method !== "GET")).toEqual([]);
    expect((await mmn(box, ["run", "--on", "failure", "--", "false"])).code).toBe(1);
    const [status, reply] = dmPosts();
    expect(status!.message).toContain("failed with exit code 1");
    expect(reply!.root_id).toBe(status!.id);
  });

  // The logs below are seq's "line 1" to "line N", as a shell loop of echo printed them, with a write per
  // buffer instead of one per line.
  test("a log larger than the server allows is trimmed to its tail, with a note", async () => {
    const r = await mmn(box, ["run", "--", "seq", "-f", "line %g", "1", "20000"]);
    expect(r.code).toBe(0);
    const reply = dmPosts()[1]!;
    const content = server.files.get(reply.file_ids![0]!)!.content.toString();
    expect(content.length).toBeLessThanOrEqual(64 * 1024);
    expect(content).toStartWith("line ");
    expect(content).toEndWith("line 20000\n");
    expect(reply.message).toMatch(/The log is \d+ KiB: attached are its last \d+ KiB\./);
  });

  test("a 413 on the log: sent again smaller, the reply still arrives", async () => {
    server.fault({ kind: "status", status: 413, path: "/api/v4/files", times: 1 });
    const r = await mmn(box, ["run", "--", "seq", "-f", "line %g", "1", "2000"]);
    expect(r.code).toBe(0);
    const uploads = server.requests.filter((q) => q.path === "/api/v4/files");
    expect(uploads.map((q) => q.status)).toEqual([413, 201]);
    expect(Number(uploads[1]!.headers["content-length"])).toBeLessThan(Number(uploads[0]!.headers["content-length"]));
    const reply = dmPosts()[1]!;
    expect(server.files.get(reply.file_ids![0]!)!.content.toString()).toEndWith("line 2000\n");
  });

  test("the server's limit unknown (config/client failing): a log it refuses is sent smaller, and the note says how much", async () => {
    server.fault({ kind: "status", status: 500, path: "/api/v4/config/client" });
    const r = await mmn(box, ["run", "--", "seq", "-f", "line %g", "1", "12000"], {
      env: { MMN_TEST_FINISH_UNANSWERED_MS: "500" },
    });
    expect(r.code).toBe(0);
    expect(server.requests.filter((q) => q.path === "/api/v4/files").map((q) => q.status)).toEqual([413, 201]);
    const reply = dmPosts()[1]!;
    const content = server.files.get(reply.file_ids![0]!)!.content;
    expect(content.toString()).toEndWith("line 12000\n");
    expect(reply.message).toEndWith(`\nThe log is 118 KiB: attached are its last ${formatBytes(content.length)}.`);
  });

  test("a command that ends at once, with no name cached yet: each name looked up once, two posts sent", async () => {
    const r = await mmn(box, ["run", "--", "echo", "hello"]);
    expect(r.code).toBe(0);
    const calls = server.requests.map((q) => `${q.method} ${q.path.replace("/api/v4", "")}`);
    expect(calls.filter((c) => c === "GET /users/username/alice")).toHaveLength(1);
    expect(calls.filter((c) => c === "POST /channels/direct")).toHaveLength(1);
    expect(calls.filter((c) => c === "POST /posts")).toHaveLength(2);
    expect(dmPosts()).toHaveLength(2);
  });
});

describe("5. signals", () => {
  describe("passed on to the command", () => {
    test("SIGTERM is forwarded; exit 143; the final message reaches the server", async () => {
      const proc = Bun.spawn(
        [...MMN, "run", "--", "bash", "-c", "trap 'echo got TERM; exit 143' TERM; echo ready; sleep 30 & wait"],
        {
          cwd: box.cwd,
          env: box.env,
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      const reader = proc.stdout.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toBe("ready\n");
      while (!server.requests.some((q) => q.path === "/api/v4/posts")) await Bun.sleep(20);
      const killedAt = Date.now();
      proc.kill("SIGTERM");
      const code = await proc.exited;
      expect(code).toBe(143);
      const reply = dmPosts()[1]!;
      expect(reply.message).toMatch(/failed with exit code 143|killed by SIGTERM/);
      const replyAt = server.requests.find(
        (q) => q.path === "/api/v4/posts" && (q.body as { root_id?: string }).root_id,
      )!.at;
      expect(replyAt - killedAt).toBeLessThan(3000);
    });

    test("SIGTERM or SIGHUP as soon as mmn catches signals, before or as the command starts: the command gets it, the end is reported (20 runs each)", async () => {
      const once = async (sig: "SIGTERM" | "SIGHUP", i: number) => {
        // A unique argument tells whether this run's command outlived mmn, and which posts are this run's.
        const seconds = `30.${sig.length}${String(i).padStart(3, "0")}`;
        const proc = Bun.spawn([...MMN, "--verbose", "run", "--id", `early-${sig}-${i}`, "--", "sleep", seconds], {
          cwd: box.cwd,
          env: box.env,
          stdout: "ignore",
          stderr: "pipe",
          detached: true,
        });
        try {
          const reader = proc.stderr.getReader();
          let stderr = "";
          while (!stderr.includes("mmn: signals are caught from now on")) {
            const next = await reader.read();
            if (next.done) throw new Error(`mmn ended before catching signals:\n${stderr}`);
            stderr += new TextDecoder().decode(next.value);
          }
          proc.kill(sig);
          expect(await proc.exited).toBe(128 + (sig === "SIGTERM" ? 15 : 1));
          const status = dmPosts().find((p) => !p.root_id && p.message.includes(`sleep ${seconds}`));
          expect(status?.message).toContain(`killed by ${sig}`);
          const replies = dmPosts().filter((p) => p.root_id === status!.id);
          expect(replies).toHaveLength(1);
          expect(replies[0]!.message).toContain(`killed by ${sig}`);
          expect(commandsRunning(seconds)).toEqual([]);
        } finally {
          // Whatever failed, nothing of this run is left behind.
          try {
            process.kill(-proc.pid, "SIGKILL");
          } catch {}
        }
      };
      // Four runs at a time (a loaded machine stretches each run's wall, not its CPU): each its
      // own id, command and posts, its race its own.
      for (const sig of ["SIGTERM", "SIGHUP"] as const) {
        for (let i = 0; i < 20; i += 4) await Promise.all([0, 1, 2, 3].map((k) => once(sig, i + k)));
      }
    }, 60_000);

    test("SIGTERM to a job that ignores it: the status says so at once, and still does after the SIGKILL that follows", async () => {
      // The first post is still on its way when the signal comes: the edit follows it at once.
      server.fault({ kind: "delay", ms: 300, method: "POST", path: "/api/v4/posts", times: 1 });
      const proc = Bun.spawn(
        [...MMN, "run", "--id", "stubborn", "--", "bash", "-c", "trap '' TERM; echo ready; sleep 30"],
        {
          cwd: box.cwd,
          env: box.env,
          stdout: "pipe",
          stderr: "pipe",
          detached: true,
        },
      );
      try {
        const first = await proc.stdout.getReader().read();
        expect(new TextDecoder().decode(first.value)).toBe("ready\n");
        proc.kill("SIGTERM");
        await waitFor(() => patches().length === 1, 5000, "the edit after SIGTERM");
        const status = dmPosts()[0]!;
        expect(status.message).toMatch(/^⏳ \*\*`bash -c .*`\*\* is stopping on \S+ \(\d+s\): SIGTERM received$/m);
        expect(cardField(status, "Status")).toBe("stopping: SIGTERM received");
        expect(statusCard(status).color).toBe("warning");
      } finally {
        // Slurm's SIGKILL after KillWait, to mmn and the job alike.
        process.kill(-proc.pid, "SIGKILL");
      }
      expect(await proc.exited).toBe(137);
      expect(dmPosts()).toHaveLength(1);
      expect(cardField(dmPosts()[0]!, "Status")).toBe("stopping: SIGTERM received");
    });

    test("a command killed by a signal: 128 + N and a red card", async () => {
      const r = await mmn(box, ["run", "--", "bash", "-c", "kill -9 $$"]);
      expect(r.code).toBe(137);
      expect(dmPosts()[0]!.message).toContain("killed by SIGKILL");
      expect(statusCard(dmPosts()[0]!).color).toBe("danger");
    });
  });
});

describe("6. the exit code, and notifications that never hurt the job", () => {
  test("a command that does not exist: 127, a clear message, a final notification", async () => {
    const r = await mmn(box, ["run", "--", "no-such-command-xyz"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain("no-such-command-xyz");
    expect(dmPosts()[0]!.message).toContain("could not start");
  });

  test("bad flags run nothing: exit 2, every line marked mmn:", async () => {
    const cases = [
      ["run", "--interval", "soon", "--", "true"],
      ["run", "--on", "sometimes", "--", "true"],
      ["run"],
      ["run", "--bogus", "--", "true"],
      ["run", "--tail"],
      ["run", "-u"],
      ["--config", "x", "run", "--bogus", "echo"],
    ];
    for (const args of cases) {
      const r = await mmn(box, args);
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith("mmn: error: ");
      expect(
        r.stderr
          .trimEnd()
          .split("\n")
          .every((line) => line.startsWith("mmn: ")),
      ).toBe(true);
    }
    expect(server.requests).toEqual([]);
  });

  describe("the job never suffers", () => {
    // A second of run: a failing server is told during it, not only at the end (0.4 s was too short under load).
    const job = ["run", "--", "bash", "-c", "echo out; sleep 1; echo more; exit 5"];

    test("no configuration: one warning, the command runs", async () => {
      const r = await mmn(sandbox(), job, { env: fast });
      expect(r.code).toBe(5);
      expect(r.stdout).toBe("out\nmore\n");
      expect(r.stderr.match(/^mmn: /gm)).toHaveLength(1);
    });

    test("server down the whole time: same output and exit code, one warning", async () => {
      const r = await mmn(box, job, {
        env: { ...fast, MMN_URL: "http://127.0.0.1:1", MMN_TEST_FINISH_UNANSWERED_MS: "500" },
      });
      expect(r.code).toBe(5);
      expect(r.stdout).toBe("out\nmore\n");
      expect(r.stderr.match(/cannot /g)).toHaveLength(1);
    });

    test("server answering 500 during the run: delivered at the end once it is back", async () => {
      server.fault({ kind: "status", status: 500, path: /\/api\/v4\/(posts|users)/, times: 3 });
      const r = await mmn(box, job, { env: fast });
      expect(r.code).toBe(5);
      expect(r.stderr.match(/cannot /g)).toHaveLength(1);
      const [status] = dmPosts();
      expect(status!.message).toContain("failed with exit code 5");
    });

    test("a hanging server holds nothing up for long after the end: each request and the end have their time limit", async () => {
      server.fault({ kind: "hang", path: /\/api\/v4\/posts/ });
      // The command ends once mmn has said the status post timed out (an event, not a sleep: a
      // command that ended at once raced the request's 0.3 s against the end's budget).
      const err = join(box.cwd, "mmn.err");
      const waitForWord = `for i in $(seq 200); do grep -q 'cannot post the status message' ${err} && exit 0; sleep 0.05; done; exit 9`;
      const proc = Bun.spawn([...MMN, "run", "--", "sh", "-c", waitForWord], {
        cwd: box.cwd,
        env: { ...box.env, MMN_TEST_REQUEST_TIMEOUT_MS: "300", MMN_TEST_FINISH_MS: "1000" },
        stdout: "ignore",
        stderr: Bun.file(err),
      });
      expect(await proc.exited).toBe(0);
      const stderr = readFileSync(err, "utf8");
      expect(stderr).toMatch(/^mmn: cannot post the status message: .*no answer within 0.3 s/m);
      // Kept in the outbox, for mmn relay: the end says so in one line.
      expect(stderr).toContain("mmn: queued: mmn relay on a node that reaches the server will deliver it");
    });

    test("429 from the server: the command's output and exit code unchanged", async () => {
      server.fault({ kind: "status", status: 429, body: "limit exceeded\n", path: /\/api\/v4\/posts/, times: 2 });
      const r = await mmn(box, job, { env: fast });
      expect(r.code).toBe(5);
      expect(r.stdout).toBe("out\nmore\n");
      expect(dmPosts()[0]!.message).toContain("failed with exit code 5");
    });
  });

  describe("output that cannot be written (a full disk)", () => {
    const shell = async (line: string) => {
      const proc = Bun.spawn(["bash", "-c", line], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" });
      const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
      return { stderr, code };
    };

    test("stdout to /dev/full: one warning with the reason, the command's writes fail, no success claimed", async () => {
      const r = await shell(`${MMN.join(" ")} run --id full -- seq 1000000 > /dev/full`);
      // Without mmn seq fails on ENOSPC; here the pipe we closed fails its next write.
      expect(r.code).toBe(141);
      expect(r.stderr.match(/^mmn: cannot write/gm)).toHaveLength(1);
      expect(r.stderr).toContain("mmn: cannot write the command's stdout (ENOSPC: no space left on device)");
      const [status, reply] = dmPosts();
      expect(status!.message).toContain(
        "stopped by SIGPIPE: its output could not be written (stdout: ENOSPC: no space left on device)",
      );
      expect(statusCard(status!).color).toBe("danger");
      expect(reply!.message).toContain("could not be written");
    });

    test("a command that ignores the failed writes and exits 0: exit code 0, but the status is not a success", async () => {
      const r = await shell(
        `${MMN.join(" ")} run -- bash -c 'trap "" PIPE; for i in $(seq 1 30000); do echo line $i 2>/dev/null; done; exit 0' > /dev/full`,
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("mmn: cannot write the command's stdout (ENOSPC: no space left on device)");
      const [status] = dmPosts();
      expect(status!.message).toStartWith("❌ ");
      expect(status!.message).toContain("exited with code 0, but its output could not be written (stdout: ENOSPC");
      expect(cardField(status!, "Status")).toContain("exited with code 0, but");
      expect(statusCard(status!).color).toBe("danger");
    });
  });

  test("server down: the warning says nothing was posted, and the end says the outcome is queued for mmn relay", async () => {
    const r = await mmn(box, ["run", "--", "echo", "hi"], {
      env: { MMN_URL: "http://127.0.0.1:1", MMN_TEST_FINISH_UNANSWERED_MS: "500" },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("hi\n");
    const ours = r.stderr.split("\n").filter((l) => l.startsWith("mmn: ") && !l.includes("reporting as"));
    // The warning comes when the status post fails before the command's end, which load decides.
    expect(ours.at(-1)).toBe("mmn: queued: mmn relay on a node that reaches the server will deliver it");
    expect(ours.slice(0, -1).every((line) => line.startsWith("mmn: cannot post the status message: "))).toBe(true);
    expect(ours.length).toBeLessThanOrEqual(2);
  });

  test("a command whose output ends without a newline: mmn's next line starts on a line of its own", async () => {
    const down = { MMN_URL: "http://127.0.0.1:1", MMN_TEST_FINISH_UNANSWERED_MS: "500" };
    const r = await mmn(box, ["run", "--on", "failure", "--", "sh", "-c", "printf 'no newline' >&2; exit 3"], {
      env: down,
    });
    expect(r.code).toBe(3);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toContain("no newline");
    expect(lines.filter((line) => line !== "no newline").every((line) => line.startsWith("mmn: "))).toBe(true);
    expect(lines.some((line) => line.startsWith("mmn: queued: "))).toBe(true);

    // Stdout and stderr the same file: the command's stdout counts too.
    const line = `${MMN.map((part) => `'${part}'`).join(" ")} run --on failure -- sh -c 'printf "no newline"; exit 3' > both.out 2>&1`;
    const proc = Bun.spawn(["bash", "-c", line], { cwd: box.cwd, env: { ...box.env, ...down } });
    expect(await proc.exited).toBe(3);
    const both = readFileSync(join(box.cwd, "both.out"), "utf8");
    expect(both).toMatch(/^mmn: reporting only a failure, .*\nno newline\nmmn: queued: /);
  });

  test("--verbose: every line of mmn's among the command's stderr is marked mmn:", async () => {
    const r = await mmn(box, ["--verbose", "run", "--", "sh", "-c", "echo theirs >&2"]);
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.filter((line) => line !== "theirs").every((line) => line.startsWith("mmn: "))).toBe(true);
    expect(lines).toContain("theirs");
    expect(lines.some((line) => line.startsWith("mmn: config: "))).toBe(true);
    expect(lines.some((line) => /^mmn: POST \/posts → 201 \(\d+ ms\)$/.test(line))).toBe(true);
  });
});
