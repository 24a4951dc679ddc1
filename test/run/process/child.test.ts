import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import type { FileSink } from "bun";
import {
  BUN,
  bytesOf,
  fileHas,
  HARNESS,
  readResult,
  rssKiB,
  runHarness,
  scratch,
  startHarness,
  waitFor,
} from "../helpers.ts";

const tmp = scratch("child");
afterAll(tmp.cleanup);
let n = 0;
const resultPath = () => tmp.path(`result-${++n}.json`);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

const binary = new Uint8Array(1 << 20);
crypto.getRandomValues(binary);
binary.fill(0, 1000, 1100); // a run of NULs
binary[binary.length - 1] = 0x41; // no trailing newline
const binaryFile = tmp.path("binary.bin");
writeFileSync(binaryFile, binary);

/** Runs a bash script through the harness, the harness itself under bash too. */
async function shell(script: string, env: Record<string, string> = {}) {
  const result = resultPath();
  const started = performance.now();
  const proc = Bun.spawn(["bash", "-c", script], {
    env: { ...process.env, ...env, H: HARNESS, BUN, MMN_TEST_RESULT: result },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    bytesOf(proc.stdout),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code, ms: performance.now() - started, result: () => readResult(result) };
}

describe("passthrough", () => {
  test("stdout and stderr byte for byte: binary, NULs, no trailing newline", async () => {
    const out = await runHarness(["cat", binaryFile], { resultPath: resultPath() });
    expect(out.code).toBe(0);
    expect(Buffer.compare(out.stdout, binary)).toBe(0);
    expect(out.result.outputBytes).toBe(binary.length);

    const err = await runHarness(["bash", "-c", `cat "${binaryFile}" >&2`], { resultPath: resultPath() });
    expect(Buffer.compare(Buffer.from(err.stderr, "latin1"), Buffer.from(text(binary), "latin1"))).toBe(0);
    expect(err.stdout.length).toBe(0);
    expect(err.result.outputBytes).toBe(binary.length);
  });

  test("a partial last line arrives as is", async () => {
    const out = await runHarness(["printf", "no newline"], { resultPath: resultPath() });
    expect(text(out.stdout)).toBe("no newline");
    expect(out.result.tail).toEqual(["no newline"]);
  });

  test("stdin is inherited", async () => {
    const proc = startHarness(["tr", "a-z", "A-Z"], { resultPath: resultPath(), stdin: "pipe" });
    const stdin = proc.stdin as FileSink;
    stdin.write("hello from stdin\n");
    await stdin.end();
    expect(await new Response(proc.stdout).text()).toBe("HELLO FROM STDIN\n");
    expect(await proc.exited).toBe(0);
  });

  test("the child's stdout and stderr are real pipes: /dev/stdout and /dev/stderr open", async () => {
    const out = await runHarness(
      ["bash", "-c", "echo to-out > /dev/stdout; echo to-err > /dev/stderr; stat -L -c %F /dev/stdout"],
      {
        resultPath: resultPath(),
      },
    );
    expect(out.code).toBe(0);
    expect(text(out.stdout)).toBe("to-out\nfifo\n");
    expect(out.stderr).toBe("to-err\n");
  });

  test("without named pipes (TMPDIR unusable) Bun's own pipes carry the output", async () => {
    const out = await runHarness(["bash", "-c", "echo out; echo err >&2"], {
      resultPath: resultPath(),
      env: { TMPDIR: "/nonexistent" },
    });
    expect(out.code).toBe(0);
    expect(text(out.stdout)).toBe("out\n");
    expect(out.stderr).toBe("err\n");
  });

  test("PYTHONUNBUFFERED=1 unless the environment sets it", async () => {
    const script = "import os; print(repr(os.environ.get('PYTHONUNBUFFERED')))";
    const set = await runHarness(["python3", "-c", script], { resultPath: resultPath() });
    expect(text(set.stdout)).toBe("'1'\n");
    const kept = await runHarness(["python3", "-c", script], {
      resultPath: resultPath(),
      env: { PYTHONUNBUFFERED: "" },
    });
    expect(text(kept.stdout)).toBe("''\n");
  });

  test("python output arrives while python still runs", async () => {
    // Python goes on only once its line has arrived here: buffered, the line would never come.
    const go = tmp.path("python-go");
    const script = `import os, time\nprint('early')\nwhile not os.path.exists(${JSON.stringify(go)}): time.sleep(0.01)`;
    const proc = startHarness(["python3", "-c", script], { resultPath: resultPath() });
    const reader = proc.stdout.getReader();
    // Only a bound for a failure to be reported before the test's own timeout, not a measure.
    const deadline = Bun.sleep(20_000).then(() => undefined);
    let seen = ""; // unbuffered python writes the text and its newline apart
    while (!seen.includes("\n")) {
      const next = await Promise.race([reader.read(), deadline]);
      if (!next || next.done) break;
      seen += text(next.value);
    }
    expect(seen).toBe("early\n");
    writeFileSync(go, "");
    await proc.exited;
  });
});

describe("log and tail", () => {
  test("both streams go to one log, in arrival order", async () => {
    const log = tmp.path("interleaved.log");
    // Pauses long enough that each line is read before the next is written.
    const script = "for i in 1 2 3 4; do echo out$i; sleep 0.1; echo err$i >&2; sleep 0.1; done";
    const run = await runHarness(["bash", "-c", script], { resultPath: resultPath(), env: { MMN_TEST_LOG: log } });
    expect(readFileSync(log, "utf8")).toBe("out1\nerr1\nout2\nerr2\nout3\nerr3\nout4\nerr4\n");
    expect(text(run.stdout)).toBe("out1\nout2\nout3\nout4\n");
    expect(run.stderr).toBe("err1\nerr2\nerr3\nerr4\n");
    expect(run.result.tail).toEqual(["out1", "err1", "out2", "err2", "out3", "err3", "out4", "err4"]);
  });

  test("the log holds every byte of binary output, and only this run's", async () => {
    const log = tmp.path("binary.log");
    writeFileSync(log, "before\n");
    // The second copy starts once the first is in the log: read from two pipes, the end of one and
    // the start of the other could otherwise be logged in either order.
    const logged1 = `while [ "$(stat -c %s "${log}")" -lt ${binary.length} ]; do sleep 0.01; done`;
    await runHarness(["bash", "-c", `cat "${binaryFile}"; ${logged1}; cat "${binaryFile}" >&2`], {
      resultPath: resultPath(),
      env: { MMN_TEST_LOG: log },
    });
    const logged = readFileSync(log);
    expect(logged.length).toBe(2 * binary.length);
    expect(Buffer.compare(logged.subarray(0, binary.length), binary)).toBe(0);
  });

  test("the tail shows what a terminal would", async () => {
    const script = [
      "printf 'compiling\\n'",
      "for p in 10 40 100; do printf '\\r%3d%%|bar|' $p; sleep 0.02; done; printf '\\n'",
      "printf '\\033[1;32mOK\\033[0m \\033]0;title\\007done\\n'",
      "printf '\\303'; sleep 0.05; printf '\\251t\\303\\251\\n'", // é split across writes
      "printf 'bad \\377 byte\\n'",
      "python3 -c \"print('x' * 2000)\"",
    ].join("; ");
    const run = await runHarness(["bash", "-c", script], { resultPath: resultPath() });
    expect(run.result.tail).toEqual([
      "compiling",
      "100%|bar|",
      "OK done",
      "été",
      "bad \ufffd byte",
      `…${"x".repeat(500)}`,
    ]);
  });
});

describe("exit codes", () => {
  test("the child's exit code", async () => {
    const run = await runHarness(["bash", "-c", "exit 7"], { resultPath: resultPath() });
    expect(run.code).toBe(7);
    expect(run.result).toMatchObject({ code: 7, exitCode: 7, signal: null });
  });

  test("killed by a signal: 128 + N", async () => {
    const run = await runHarness(["bash", "-c", "kill -KILL $$"], { resultPath: resultPath() });
    expect(run.code).toBe(137);
    expect(run.result).toMatchObject({ code: 137, exitCode: null, signal: "SIGKILL" });
  });

  test("command not found: 127 and a reason", async () => {
    const run = await runHarness(["mmn-no-such-command"], { resultPath: resultPath() });
    expect(run.code).toBe(127);
    expect(run.result.startError).toBe("command not found: mmn-no-such-command");
    expect(run.result.pid).toBeUndefined();
  });

  test("a directory or a file without execute permission: 126", async () => {
    const dir = await runHarness([tmp.dir], { resultPath: resultPath() });
    expect(dir.code).toBe(126);
    expect(dir.result.startError).toStartWith("is a directory");
    const plain = tmp.path("plain.txt");
    writeFileSync(plain, "echo hi\n", { mode: 0o644 });
    const noexec = await runHarness([plain], { resultPath: resultPath() });
    expect(noexec.code).toBe(126);
    expect(noexec.result.startError).toStartWith("permission denied");
  });

  test("a script without #! runs under sh, as a shell would", async () => {
    const script = tmp.path("noshebang");
    writeFileSync(script, 'echo "ran with $1"\n', { mode: 0o755 });
    const run = await runHarness([script, "arg"], { resultPath: resultPath() });
    expect(run.code).toBe(0);
    expect(text(run.stdout)).toBe("ran with arg\n");
  });
});

describe("ending", () => {
  test("a background grandchild holding the pipe does not hold us past the grace period", async () => {
    const run = await runHarness(["bash", "-c", "sleep 30 & echo $!"], { resultPath: resultPath() });
    const grandchild = Number(text(run.stdout));
    process.kill(grandchild);
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(5000);
  });

  test("a slow reader still gets everything written before the exit", async () => {
    const proc = startHarness(["head", "-c", "3000000", "/dev/zero"], {
      resultPath: resultPath(),
      env: { MMN_TEST_GRACE_MS: "100" },
    });
    await Bun.sleep(1000); // the child exits long before we read
    const out = await bytesOf(proc.stdout);
    expect(await proc.exited).toBe(0);
    expect(out.length).toBe(3000000);
  });

  test("our reader going away (mmn run -- yes | head -1) ends the run like a shell pipeline", async () => {
    const run = await shell('"$BUN" "$H" -- yes | head -1');
    expect(text(run.stdout)).toBe("y\n");
    expect(run.stderr).toBe("");
    expect(run.ms).toBeLessThan(5000);
    expect(run.result()).toMatchObject({ code: 141, signal: "SIGPIPE", stdoutClosed: true });
  });

  test("a slow reader holds memory down (backpressure)", async () => {
    // The harness's stdout goes to a reader that sleeps before reading.
    const pidFile = tmp.path("harness.pid");
    const run = shell(
      `{ "$BUN" "$H" -- head -c 300000000 /dev/zero & echo $! > "${pidFile}"; wait $!; } | { sleep 1.5; wc -c; }`,
    );
    await waitFor(() => fileHas(pidFile, "\n"), 5000, "the harness pid");
    const pid = Number(readFileSync(pidFile, "utf8"));
    let peak = 0;
    for (let i = 0; i < 12; i++) {
      await Bun.sleep(100);
      peak = Math.max(peak, rssKiB(pid));
    }
    const { stdout, code } = await run;
    expect(code).toBe(0);
    expect(text(stdout).trim()).toBe("300000000");
    // Without backpressure the harness would hold hundreds of MB by now.
    expect(peak).toBeLessThan(150 * 1024);
  }, 20000);
});

describe("log failures", () => {
  test("EFBIG (ulimit -f): the log stops, the output goes on", async () => {
    const log = tmp.path("efbig.log");
    const run = await shell('ulimit -f 10; exec "$BUN" "$H" -- head -c 100000 /dev/zero', { MMN_TEST_LOG: log });
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe(100000);
    expect(readFileSync(log).length).toBe(10 * 1024);
    expect(run.result().logError).toStartWith("EFBIG");
  });

  test("ENOSPC: the log stops, the output goes on", async () => {
    const run = await runHarness(["echo", "still here"], {
      resultPath: resultPath(),
      env: { MMN_TEST_LOG: "/dev/full" },
    });
    expect(run.code).toBe(0);
    expect(text(run.stdout)).toBe("still here\n");
    expect(run.result.logError).toStartWith("ENOSPC");
  });

  test("a log that cannot be opened", async () => {
    const run = await runHarness(["echo", "ok"], {
      resultPath: resultPath(),
      env: { MMN_TEST_LOG: tmp.path("missing/dir/x.log") },
    });
    expect(text(run.stdout)).toBe("ok\n");
    expect(run.result.logError).toContain("ENOENT");
  });
});
