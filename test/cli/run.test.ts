import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { formatBytes } from "../../src/base/bytes.ts";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// Grouped as README's `mmn run` section numbers what mmn run does (1 to 6).

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const dmPosts = () => alicePosts(server);
type Card = { color: string; fields: Array<{ title: string; value: string }>; footer: string };
const card = (post: Post) => (post.props.attachments as Card[])[0]!;
const field = (post: Post, title: string) => card(post).fields.find((f) => f.title === title)?.value;
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

describe("1. the status message", () => {
  test("start, live edits, final state and a reply with the log", async () => {
    const script =
      'for i in 1 2 3; do echo "step $i"; sleep 0.3; done; printf "\\rprogress 50%%\\rprogress 100%%\\n"; echo oops >&2; exit 3';
    const r = await mmn(box, ["run", "--id", "job-1", "--", "bash", "-c", script], { env: fast });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("step 1\nstep 2\nstep 3\n\rprogress 50%\rprogress 100%\n");
    expect(r.stderr).toContain("oops\n");
    expect(r.stderr).toContain('mmn: reporting as "job-1"');

    const [status, reply, ...rest] = dmPosts();
    expect(rest).toEqual([]);
    expect(status!.message).toStartWith("❌ **`bash -c");
    expect(status!.message).toContain("failed with exit code 3 on ");
    expect(status!.message).toContain("```\nstep 1\nstep 2\nstep 3\nprogress 100%\noops\n```");
    expect(card(status!).color).toBe("danger");
    expect(field(status!, "Status")).toBe("failed with exit code 3");
    expect(field(status!, "Directory")).toBe(`\`${box.cwd}\``);
    expect(card(status!).footer).toContain("id job-1");
    expect(patches().length).toBeGreaterThanOrEqual(2);
    const live = patches()
      .slice(0, -1)
      .map((p) => (p.body as { message: string }).message);
    expect(live.some((m) => m.includes("is running on") && m.includes("step 1"))).toBe(true);

    expect(reply!.root_id).toBe(status!.id);
    expect(reply!.message).toContain("failed with exit code 3");
    const log = server.files.get(reply!.file_ids![0]!)!;
    expect(log.info.name).toBe("bash-job-1.log");
    expect(log.content.toString()).toBe("step 1\nstep 2\nstep 3\n\rprogress 50%\rprogress 100%\noops\n");
    expect(existsSync(join(box.home, ".local/state/mmn/hooks/job-1.msg"))).toBe(true);
  });

  test("the status message can be updated by id afterwards, from another process", async () => {
    await mmn(box, ["run", "--id", "later", "--", "true"]);
    expect((await mmn(box, ["update", "--id", "later", "--append", "checked by hand"])).code).toBe(0);
    expect(dmPosts()[0]!.message).toEndWith("\nchecked by hand");
  });

  test("the Slurm job context is shown (an array's task with --array each: its own message)", async () => {
    const env = {
      SLURM_JOB_ID: "4242",
      SLURM_JOB_NAME: "train",
      SLURM_ARRAY_JOB_ID: "4240",
      SLURM_ARRAY_TASK_ID: "2",
      SLURM_JOB_PARTITION: "gpu",
    };
    await mmn(box, ["run", "--array", "each", "--", "true"], { env });
    expect(field(dmPosts()[0]!, "Slurm job")).toBe("4240_2 (train)");
    expect(field(dmPosts()[0]!, "Partition")).toBe("gpu");
  });

  test("a step of the system clock mid-run is not elapsed time: the start's time of day, the duration from a monotonic clock", async () => {
    const before = new Date();
    const r = await mmn(box, ["run", "--", "sh", "-c", "echo out; exit 3"], {
      env: { MMN_TEST_CLOCK_STEP_MS: String(2 * 3600_000) },
    });
    expect(r.code).toBe(3);
    const status = dmPosts()[0]!;
    expect(status.message.split("\n")[0]).toMatch(
      /^❌ \*\*`sh -c 'echo out; exit 3'`\*\* failed with exit code 3 on \S+ after \ds$/,
    );
    expect(field(status, "Duration")).toMatch(/^\ds$/);
    // The start as the clock read it then, before the step.
    const started = card(status).footer.match(/started \d{4}-\d\d-\d\d (\d\d:\d\d)/)?.[1];
    const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
    expect([hhmm(before), hhmm(new Date())]).toContain(started ?? "none");
  });

  test("the headline holds a multi-line command's first line and a backtick safely", async () => {
    await mmn(box, ["run", "--", "bash", "-c", "echo one\necho two"]);
    expect(dmPosts()[1]!.message.split("\n")[0]).toMatch(
      /^✅ \*\*`bash -c 'echo one…`\*\* succeeded on \S+ after \d+s$/,
    );
    server.reset();
    await mmn(box, ["run", "--", "echo", "a`b"]);
    expect(dmPosts()[1]!.message).toMatch(/^✅ \*\*`` echo 'a`b' ``\*\* succeeded on /);
    expect(field(dmPosts()[0]!, "Command")).toBe("`` echo 'a`b' ``");
  });

  test("--on failure says only what is true: no message to update unless the command fails, at its end", async () => {
    const r = await mmn(box, ["run", "--on", "failure", "--id", "quiet-1", "--", "false"]);
    expect(r.stderr).toContain('mmn: reporting only a failure, when the command ends (as "quiet-1")\n');
    expect(r.stderr).not.toContain("mmn update");
    expect(dmPosts()[0]!.message).toContain("failed with exit code 1");

    server.reset();
    const ok = await mmn(box, ["run", "--on", "failure", "--", "true"]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toContain("mmn update");
    expect(dmPosts()).toEqual([]);
  });
});

describe("2. the command, its output and the log", () => {
  test("without --, options end at the command: its own flags (-q, -h, --verbose, --config, a -- of its own) stay its own", async () => {
    const r = await mmn(box, ["run", "--id", "own", "echo", "hello", "--title", "x"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("hello --title x\n");
    expect(dmPosts()[0]!.message).toStartWith("✅ **`echo hello --title x`** succeeded");
    server.reset();
    const p = await mmn(box, ["run", "printf", "%s\\n", "-c", "a", "--", "b"]);
    expect(p.code).toBe(0);
    expect(p.stdout).toBe("-c\na\n--\nb\n");
    expect((await mmn(box, ["run", "--bogus", "echo"])).code).toBe(2);
    // -q, -h, --verbose and --config after the command's name are the command's; ours stand before it.
    const q = await mmn(box, ["-q", "run", "--id", "flags", "printf", "%s ", "-q", "-h", "--verbose", "--config", "x"]);
    expect(q.code).toBe(0);
    expect(q.stdout).toBe("-q -h --verbose --config x ");
    expect(q.stderr).toBe("");
  });

  test("--log keeps the log file; --save-hook writes the hook", async () => {
    const log = join(box.cwd, "kept.log");
    const hook = join(box.cwd, "run.msg");
    await mmn(box, ["run", "--log", log, "-s", hook, "--id", "kept", "--", "bash", "-c", "echo a; echo b >&2"]);
    expect(readFileSync(log, "utf8")).toBe("a\nb\n");
    expect(readFileSync(hook, "utf8").split("\n")[1]).toBe("kept");
  });

  test("mmn run -- yes | head -1: ends promptly like a shell pipeline, and says why", async () => {
    const proc = Bun.spawn(["bash", "-c", `${MMN.join(" ")} run -- yes | head -1`], {
      cwd: box.cwd,
      env: box.env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(out).toBe("y\n");
    expect(code).toBe(0);
    expect(dmPosts()[0]!.message).toContain("stopped by SIGPIPE");
  });

  describe("mmn run > job.out 2>&1 (stdout and stderr the same file)", () => {
    const script = "for i in $(seq 1 300); do echo out$i; echo err$i >&2; done";
    const expected = Array.from({ length: 300 }, (_, i) => `out${i + 1}\nerr${i + 1}\n`).join("");

    for (const [name, env] of [
      ["named pipes", ""],
      ["Bun's pipes (no usable TMPDIR)", "TMPDIR=/nonexistent "],
    ] as const) {
      test(`lines in the order the command wrote them: file, log, attachment and tail (${name})`, async () => {
        const line = `${env}${MMN.join(" ")} run --tail 4 --log job.log -- bash -c '${script}' > job.out 2>&1`;
        const proc = Bun.spawn(["bash", "-c", line], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" });
        expect(await proc.exited).toBe(0);
        const out = readFileSync(join(box.cwd, "job.out"), "utf8");
        expect(
          out
            .split("\n")
            .filter((l) => !l.startsWith("mmn: "))
            .join("\n"),
        ).toBe(expected);
        expect(readFileSync(join(box.cwd, "job.log"), "utf8")).toBe(expected);
        const [status, reply] = dmPosts();
        expect(status!.message).toContain("```\nout299\nerr299\nout300\nerr300\n```");
        expect(server.files.get(reply!.file_ids![0]!)!.content.toString()).toBe(expected);
      });
    }

    test("/dev/stderr still opens in the command, and its line keeps its place", async () => {
      const line = `${MMN.join(" ")} run -- bash -c 'echo a > /dev/stderr; echo b' > both.out 2>&1`;
      const proc = Bun.spawn(["bash", "-c", line], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" });
      expect(await proc.exited).toBe(0);
      expect(
        readFileSync(join(box.cwd, "both.out"), "utf8")
          .split("\n")
          .filter((l) => !l.startsWith("mmn: ")),
      ).toEqual(["a", "b", ""]);
    });
  });

  test("--log naming the file of only one of stdout and stderr: said, and that file attached", async () => {
    const script = `${MMN.map((part) => `'${part}'`).join(" ")} run --log job.err -- sh -c 'echo out; echo err >&2' > job.out 2> job.err`;
    expect(await Bun.spawn(["bash", "-c", script], { cwd: box.cwd, env: box.env }).exited).toBe(0);
    const err = readFileSync(join(box.cwd, "job.err"), "utf8");
    expect(err).toStartWith(
      "mmn: --log job.err is where only one of stdout and stderr goes: the log attached holds that one\n",
    );
    expect(readFileSync(join(box.cwd, "job.out"), "utf8")).toBe("out\n");
    const reply = dmPosts()[1]!;
    expect(server.files.get(reply.file_ids![0]!)!.content.toString()).toEndWith("err\n");
  });

  test("--log FILE that exists is truncated, like tee: the file, the attachment and the card hold this run only", async () => {
    const log = box.write("old.log", "yesterday's run, 10 MB of it\n");
    const r = await mmn(box, ["run", "--log", log, "--", "bash", "-c", "echo a; echo b >&2"]);
    expect(r.code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe("a\nb\n");
    const [status, reply] = dmPosts();
    expect(field(status!, "Output")).toBe("4 B");
    expect(server.files.get(reply!.file_ids![0]!)!.content.toString()).toBe("a\nb\n");
  });

  test("an unwritable --log is refused before anything runs or is sent: exit 2, a clear message", async () => {
    for (const [log, reason] of [
      ["no/such/dir/job.log", "no such file or directory"],
      [".", "it is a directory"],
      ["/dev/null", "it is not a regular file"],
    ] as const) {
      const r = await mmn(box, ["run", "--log", log, "--", "touch", "ran"]);
      expect(r.code).toBe(2);
      // Marked as mmn's, like every line of ours under run.
      expect(r.stderr).toStartWith(`mmn: error: cannot write the log ${log}: ${reason}\n`);
    }
    expect(existsSync(join(box.cwd, "ran"))).toBe(false);
    expect(server.requests).toEqual([]);
  });
});

describe("3. the live edits", () => {
  test("a large --tail: every status edit fits in one post, its first lines cut with a note; no extra replies", async () => {
    const script = 'for i in $(seq 1 100); do printf "%03d%0397d\\n" $i 0; done; sleep 0.5; echo last';
    const r = await mmn(box, ["run", "--tail", "100", "--", "bash", "-c", script], { env: fast });
    expect(r.code).toBe(0);
    expect(dmPosts()).toHaveLength(2);
    const edits = patches().map((p) => (p.body as { message: string }).message);
    expect(edits.length).toBeGreaterThanOrEqual(2);
    for (const message of edits) expect(Array.from(message).length).toBeLessThanOrEqual(16383);
    const status = dmPosts()[0]!;
    expect(status.message).toMatch(/\n\(the last \d+ of 100 lines: more do not fit in one post\)\n```\n/);
    expect(status.message).toEndWith("\nlast\n```");
    expect(status.message).toContain(`\n100${"0".repeat(397)}\n`);
  });

  test("--tail 0 shows no output in the status", async () => {
    await mmn(box, ["run", "--tail", "0", "--", "echo", "private"]);
    const status = dmPosts()[0]!;
    expect(status.message).toMatch(/^✅ \*\*`echo private`\*\* succeeded on \S+ after \d+s$/);
  });

  test("on=, interval= and tail= in the configuration are defaults that flags override", async () => {
    const quiet = sandbox(server, { user: "alice", on: "failure", tail: "1" });
    expect((await mmn(quiet, ["run", "--", "true"])).code).toBe(0);
    expect(server.requests.filter((q) => q.method !== "GET")).toEqual([]);
    expect((await mmn(quiet, ["run", "--", "bash", "-c", "echo one; echo two; exit 4"])).code).toBe(4);
    expect(dmPosts()[0]!.message).toContain("```\ntwo\n```");
    server.reset();
    expect((await mmn(quiet, ["run", "--on", "always", "--", "true"])).code).toBe(0);
    expect(dmPosts()[0]!.message).toContain("succeeded");
  });

  test("a bad interval=, on= or tail= in the configuration: one warning each naming key and file, defaults used, the command runs", async () => {
    const bad = sandbox(server, { user: "alice", interval: "5m", on: "sometimes", tail: "-1" });
    const rc = join(bad.home, ".mmnrc");
    const r = await mmn(bad, ["run", "--", "bash", "-c", "for i in $(seq 1 12); do echo line $i; done"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("line 1\n");
    const warnings = r.stderr.split("\n").filter((l) => l.includes(rc));
    expect(warnings.sort()).toEqual([
      `mmn: interval=5m in ${rc} must be a number ≥ 1: using 30`,
      `mmn: on=sometimes in ${rc} takes begin, end, fail, requeue, time-limit-50, time-limit-80, time-limit-90, never-runs, array-digest, array-tasks, or always, failure, all, none: not "sometimes": using always`,
      `mmn: tail=-1 in ${rc} must be a number ≥ 0: using 10`,
    ]);
    expect(r.stderr).not.toContain("--interval");
    const [status, reply] = dmPosts();
    expect(status!.message).toContain("succeeded");
    expect(status!.message).toContain("```\nline 3\n");
    expect(reply!.root_id).toBe(status!.id);
  });

  test("a bad value given as a flag is still refused at once, even over a good configured one", async () => {
    const ok = sandbox(server, { user: "alice", interval: "60" });
    const r = await mmn(ok, ["run", "--interval", "5m", "--", "touch", "ran"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--interval must be a number ≥ 1, not "5m"');
    expect(existsSync(join(ok.cwd, "ran"))).toBe(false);
    expect(server.requests).toEqual([]);
  });
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
    expect(card(status!).color).toBe("good");
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

  test("a log larger than the server allows is trimmed to its tail, with a note", async () => {
    const r = await mmn(box, ["run", "--", "bash", "-c", "for i in $(seq 1 20000); do echo line $i; done"]);
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
    const r = await mmn(box, ["run", "--", "bash", "-c", "for i in $(seq 1 2000); do echo line $i; done"]);
    expect(r.code).toBe(0);
    const uploads = server.requests.filter((q) => q.path === "/api/v4/files");
    expect(uploads.map((q) => q.status)).toEqual([413, 201]);
    expect(Number(uploads[1]!.headers["content-length"])).toBeLessThan(Number(uploads[0]!.headers["content-length"]));
    const reply = dmPosts()[1]!;
    expect(server.files.get(reply.file_ids![0]!)!.content.toString()).toEndWith("line 2000\n");
  });

  test("the server's limit unknown (config/client failing): a log it refuses is sent smaller, and the note says how much", async () => {
    server.fault({ kind: "status", status: 500, path: "/api/v4/config/client" });
    const r = await mmn(box, ["run", "--", "bash", "-c", "for i in $(seq 1 12000); do echo line $i; done"], {
      env: { MMN_TEST_FINISH_UNANSWERED_MS: "1500" },
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
      for (const sig of ["SIGTERM", "SIGHUP"] as const) {
        for (let i = 0; i < 20; i++) {
          server.reset();
          // A unique argument tells whether this run's command outlived mmn.
          const seconds = `30.${sig.length}${String(i).padStart(3, "0")}`;
          const proc = Bun.spawn([...MMN, "--verbose", "run", "--id", `early-${i}`, "--", "sleep", seconds], {
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
            const [status, reply] = dmPosts();
            expect(status!.message).toContain(`killed by ${sig}`);
            expect(reply!.message).toContain(`killed by ${sig}`);
            expect(commandsRunning(seconds)).toEqual([]);
          } finally {
            // Whatever failed, nothing of this run is left behind.
            try {
              process.kill(-proc.pid, "SIGKILL");
            } catch {}
          }
        }
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
        expect(field(status, "Status")).toBe("stopping: SIGTERM received");
        expect(card(status).color).toBe("warning");
      } finally {
        // Slurm's SIGKILL after KillWait, to mmn and the job alike.
        process.kill(-proc.pid, "SIGKILL");
      }
      expect(await proc.exited).toBe(137);
      expect(dmPosts()).toHaveLength(1);
      expect(field(dmPosts()[0]!, "Status")).toBe("stopping: SIGTERM received");
    });

    test("a command killed by a signal: 128 + N and a red card", async () => {
      const r = await mmn(box, ["run", "--", "bash", "-c", "kill -9 $$"]);
      expect(r.code).toBe(137);
      expect(dmPosts()[0]!.message).toContain("killed by SIGKILL");
      expect(card(dmPosts()[0]!).color).toBe("danger");
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
      expect(card(status!).color).toBe("danger");
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
      expect(field(status!, "Status")).toContain("exited with code 0, but");
      expect(card(status!).color).toBe("danger");
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
    const down = { MMN_URL: "http://127.0.0.1:1", MMN_TEST_FINISH_MS: "1500" };
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
