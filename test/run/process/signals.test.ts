import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { catchSignals } from "../../../src/run/process/signals.ts";
import { BUN, fileHas, HARNESS, readResult, scratch, startHarness, waitFor } from "../helpers.ts";

const tmp = scratch("signals");
afterAll(tmp.cleanup);
const TRAPS = join(import.meta.dir, "..", "fixtures", "traps.sh");
let n = 0;
const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");
const count = (text: string, word: string) => text.split("\n").filter((line) => line === word).length;

/** The harness running traps.sh in a session of its own (no terminal), ready for signals. */
async function trapped() {
  const id = ++n;
  const out = tmp.path(`traps-${id}.txt`);
  const signals = tmp.path(`signals-${id}.txt`);
  const resultPath = tmp.path(`result-${id}.json`);
  const proc = startHarness(["bash", TRAPS, out], { resultPath, env: { MMN_TEST_SIGNALS: signals }, detached: true });
  await waitFor(() => fileHas(out, "ready"), 5000, "the child's traps");
  return { proc, out, signals, resultPath };
}

test("catchSignals keeps a signal that comes before the child exists, delivers it on attach, then forwards; stop removes the handlers", async () => {
  const before = process.listenerCount("SIGUSR2");
  const beforeTerm = process.listenerCount("SIGTERM");
  const sent: string[] = [];
  const seen: string[] = [];
  const relay = catchSignals();
  expect(process.listenerCount("SIGUSR2")).toBe(before + 1);
  // Another listener of the same signal tells when the relay has had it too.
  let caught = 0;
  const probe = () => caught++;
  process.on("SIGUSR2", probe);
  try {
    process.kill(process.pid, "SIGUSR2");
    await waitFor(() => caught === 1, 2000, "the signal");
    expect(sent).toEqual([]);
    relay.attach({ signal: (sig) => sent.push(sig) }, (sig, forwarded) => seen.push(`${sig} ${forwarded}`));
    expect(sent).toEqual(["SIGUSR2"]);
    process.kill(process.pid, "SIGUSR2");
    await waitFor(() => caught === 2, 2000, "the second signal");
    expect(sent).toEqual(["SIGUSR2", "SIGUSR2"]);
    expect(seen).toEqual(["SIGUSR2 true", "SIGUSR2 true"]);
  } finally {
    process.off("SIGUSR2", probe);
    relay.stop();
  }
  expect(process.listenerCount("SIGUSR2")).toBe(before);
  expect(process.listenerCount("SIGTERM")).toBe(beforeTerm);
});

describe("forwarded signals", () => {
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGXCPU"] as const) {
    test(`${sig} reaches the child once, and we survive it`, async () => {
      const { proc, out, signals, resultPath } = await trapped();
      const got = `got-${sig.slice(3)}`;
      process.kill(proc.pid, sig);
      await waitFor(() => fileHas(out, got), 5000, got);
      if (sig !== "SIGTERM") process.kill(proc.pid, "SIGTERM");
      expect(await proc.exited).toBe(0);
      expect(count(read(out), got)).toBe(1);
      expect(read(signals)).toContain(`${sig} forwarded`);
      expect(readResult(resultPath)).toMatchObject({ code: 0, exitCode: 0 });
    });
  }

  test("after a SIGTERM the run ends promptly", async () => {
    const { proc } = await trapped();
    const sent = performance.now();
    process.kill(proc.pid, "SIGTERM");
    await proc.exited;
    expect(performance.now() - sent).toBeLessThan(3000);
  });

  test("a child that dies of the forwarded signal gives 128 + N, even when the signal came before it existed", async () => {
    const once = async (i: number) => {
      const resultPath = tmp.path(`result-killed-${i}.json`);
      const caught = tmp.path(`caught-${i}`);
      const proc = startHarness(["sleep", "30"], { resultPath, env: { MMN_TEST_CAUGHT: caught }, detached: true });
      await waitFor(() => existsSync(caught), 5000, "the signals caught");
      process.kill(proc.pid, "SIGTERM");
      expect(await proc.exited).toBe(143);
      expect(readResult(resultPath)).toMatchObject({ code: 143, signal: "SIGTERM" });
    };
    // 20 races, four at a time: each run its own files and its own signal.
    for (let i = 0; i < 20; i += 4) await Promise.all([0, 1, 2, 3].map((k) => once(i + k)));
  }, 20000);
});

describe("signals ignored when we start stay ignored", () => {
  const sigIgn = (status: string) => BigInt(`0x${/SigIgn:\s*([0-9a-f]+)/.exec(status)?.[1] ?? "0"}`);
  const bit = (mask: bigint, signum: number) => ((mask >> BigInt(signum - 1)) & 1n) === 1n;

  test("under nohup the child keeps SIGHUP ignored, and a SIGHUP to us is ignored", async () => {
    const out = tmp.path("nohup.txt");
    const signals = tmp.path("nohup-signals.txt");
    const script = `grep SigIgn /proc/self/status > "${out}.status"; exec bash "${TRAPS}" "${out}"`;
    const proc = Bun.spawn(["nohup", BUN, HARNESS, "--", "bash", "-c", script], {
      env: { ...process.env, MMN_TEST_SIGNALS: signals, MMN_TEST_RESULT: tmp.path("nohup.json") },
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
    });
    await waitFor(() => fileHas(out, "ready"), 5000, "the child's traps");
    expect(bit(sigIgn(read(`${out}.status`)), 1)).toBe(true);
    // Ignored, it is dropped as it is sent: the SIGTERM after it is the first we can get.
    process.kill(proc.pid, "SIGHUP");
    process.kill(proc.pid, "SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(read(out)).not.toContain("got-HUP");
    expect(read(signals)).toBe("SIGTERM forwarded\n");
  });

  test("a `cmd &` job in a script: the child keeps SIGINT and SIGQUIT ignored", async () => {
    const script = `"$BUN" "$H" -- grep SigIgn /proc/self/status & wait`;
    const proc = Bun.spawn(["bash", "-c", script], {
      env: { ...process.env, BUN, H: HARNESS, MMN_TEST_RESULT: tmp.path("bg.json") },
      stdout: "pipe",
    });
    const mask = sigIgn(await new Response(proc.stdout).text());
    expect(await proc.exited).toBe(0);
    expect(bit(mask, 2) && bit(mask, 3)).toBe(true);
  });

  test("otherwise the child starts with no signal ignored", async () => {
    const proc = startHarness(["grep", "SigIgn", "/proc/self/status"], { resultPath: tmp.path("plain.json") });
    expect(sigIgn(await new Response(proc.stdout).text())).toBe(0n);
  });
});

const tmux = Bun.which("tmux");

describe.skipIf(!tmux)("in a terminal (tmux)", () => {
  test("Ctrl-C reaches the child once: from the terminal, not forwarded again", async () => {
    const socket = `mmn-test-${process.pid}`;
    const out = tmp.path("tmux.txt");
    const signals = tmp.path("tmux-signals.txt");
    const done = tmp.path("tmux-done.txt");
    const env = `MMN_TEST_SIGNALS='${signals}' MMN_TEST_RESULT='${tmp.path("tmux.json")}'`;
    const command = `${env} '${BUN}' '${HARNESS}' -- bash '${TRAPS}' '${out}'; echo $? > '${done}'`;
    const tmuxRun = (...args: string[]) => Bun.spawnSync([tmux!, "-L", socket, "-f", "/dev/null", ...args]);
    try {
      // bash, not the login shell: dash (a user's /bin/sh, or tmux's default for a user with no
      // passwd entry) dies of the Ctrl-C itself, and the exit code is never written.
      expect(tmuxRun("new-session", "-d", "-x", "80", "-y", "20", "bash", "-c", command).exitCode).toBe(0);
      await waitFor(() => fileHas(out, "ready"), 10000, "the child's traps");
      tmuxRun("send-keys", "C-c");
      await waitFor(() => fileHas(out, "got-INT"), 5000, "the child's SIGINT");
      await Bun.sleep(300); // time for a second, forwarded SIGINT to arrive, if any
      const harness = Number(/ready (\d+)/.exec(read(out))?.[1]);
      process.kill(harness, "SIGTERM");
      await waitFor(() => fileHas(done, "\n"), 5000, "the harness to end");
      expect(count(read(out), "got-INT")).toBe(1);
      expect(read(signals)).toContain("SIGINT not-forwarded");
      expect(read(done).trim()).toBe("0");
    } finally {
      tmuxRun("kill-server");
    }
  }, 20000);
});
