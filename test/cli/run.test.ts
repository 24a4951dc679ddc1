import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, cardField, statusCard, useRunServer } from "../helpers/run-server.ts";
import type { TestServer } from "../server/index.ts";

// Grouped as README's `mmn run` section numbers what mmn run does: 1 to 3 here, 4 to 6 in run-outcome.test.ts
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
    expect(statusCard(status!).color).toBe("danger");
    expect(cardField(status!, "Status")).toBe("failed with exit code 3");
    expect(cardField(status!, "Directory")).toBe(`\`${box.cwd}\``);
    expect(statusCard(status!).footer).toContain("id job-1");
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
    expect(cardField(dmPosts()[0]!, "Slurm job")).toBe("4240_2 (train)");
    expect(cardField(dmPosts()[0]!, "Partition")).toBe("gpu");
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
    expect(cardField(status, "Duration")).toMatch(/^\ds$/);
    // The start as the clock read it then, before the step.
    const started = statusCard(status).footer.match(/started \d{4}-\d\d-\d\d (\d\d:\d\d)/)?.[1];
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
    expect(cardField(dmPosts()[0]!, "Command")).toBe("`` echo 'a`b' ``");
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
    expect(cardField(status!, "Output")).toBe("4 B");
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
