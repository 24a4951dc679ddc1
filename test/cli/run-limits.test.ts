import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MMN, type Sandbox } from "../helpers/cli.ts";
import { outputOf } from "../helpers/output.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import type { TestServer } from "../server/index.ts";

// Limits a scheduler sets (ulimit -n; ulimit -v, which SGE's h_vmem and PBS's pvmem set): the
// command runs under them whatever mmn can do, with its exit code, and sees them as they were set.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const mmnLine = MMN.map((a) => `'${a}'`).join(" ");

/** A job script's line, run by bash: `exec 3> file` and prlimit as a user would write them. */
async function job(line: string, env: Record<string, string> = {}) {
  const proc = Bun.spawn(["bash", "-c", line], {
    cwd: box.cwd,
    env: { ...box.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, code } = await outputOf(proc);
  expect(stdout + stderr).not.toContain(server.token);
  return { code, stdout, stderr };
}

const ours = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("mmn: "));

test.skipIf(!Bun.which("prlimit"))(
  "under ulimit -n 16 the command runs without mmn: its exit code, its limit and open files, one line why, nothing sent",
  async () => {
    const r = await job(
      `exec 3> three.txt; prlimit --nofile=16 -- ${mmnLine} run -- sh -c 'ulimit -n; echo three >&3; echo err >&2; exit 3'`,
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("16\n");
    expect(ours(r.stderr)).toEqual([
      "mmn: only 16 open files are allowed (ulimit -n), mmn needs 25: running the command without notifications",
    ]);
    expect(r.stderr).toEndWith("err\n");
    expect(readFileSync(join(box.cwd, "three.txt"), "utf8")).toBe("three\n");
    expect(server.requests).toEqual([]);

    const missing = await job(`prlimit --nofile=16 -- ${mmnLine} run -- no-such-command-here`);
    expect(missing.code).toBe(127);
    expect(ours(missing.stderr)).toEqual([
      "mmn: only 16 open files are allowed (ulimit -n), mmn needs 24: running the command without notifications",
      "mmn: command not found: no-such-command-here",
    ]);
  },
);

test.skipIf(!Bun.which("prlimit"))(
  "an open file the job got above a lowered limit reaches the command, which runs and keeps its exit code (was: exit 126, EINVAL fcntl)",
  async () => {
    const r = await job(
      `exec 40> forty.txt; prlimit --nofile=32 -- ${mmnLine} run -- bash -c 'echo forty >&40; exit 4'`,
    );
    expect(r.code).toBe(4);
    expect(ours(r.stderr)).toEqual([
      "mmn: the job was given open file 40, and under a limit of 32 open files (ulimit -n) mmn cannot pass it on: running the command without notifications",
    ]);
    expect(readFileSync(join(box.cwd, "forty.txt"), "utf8")).toBe("forty\n");
    expect(server.requests).toEqual([]);
  },
);

test.skipIf(!Bun.which("prlimit"))("under ulimit -n 64 mmn reports as usual", async () => {
  const r = await job(`prlimit --nofile=64 -- ${mmnLine} run -- sh -c 'ulimit -n; exit 3'`);
  expect(r.code).toBe(3);
  expect(r.stdout).toBe("64\n");
  expect(alicePosts(server).at(-1)?.message).toContain("failed with exit code 3");
});

test.skipIf(!Bun.which("prlimit"))(
  "under ulimit -v 400000 (SGE's h_vmem) mmn reports as usual, and the command sees the limit and nothing of mmn's (was: exit 1, no HTTP client thread)",
  async () => {
    const r = await job(
      `prlimit --as=${400000 * 1024} -- ${mmnLine} run -- sh -c 'ulimit -v; env | grep -c MALLOC_ARENA_MAX; exit 3'`,
    );
    expect(r.stderr).not.toContain("HTTP Client thread");
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("400000\n0\n");
    expect(ours(r.stderr).filter((l) => !l.includes("reporting as"))).toEqual([]);
    expect(alicePosts(server).at(-1)?.message).toContain("failed with exit code 3");

    // The user's own setting is theirs, and the command's.
    const own = await job(`prlimit --as=${400000 * 1024} -- ${mmnLine} run -- sh -c 'echo $MALLOC_ARENA_MAX'`, {
      MALLOC_ARENA_MAX: "2",
    });
    expect(own.stdout).toBe("2\n");
  },
);

test.skipIf(!Bun.which("prlimit"))(
  "under ulimit -n 16 and ulimit -v together (Bun has no FFI then, so no exec) the command runs as a child: its limits, open files and exit code",
  async () => {
    const r = await job(
      `exec 3> three.txt; prlimit --nofile=16 --as=${500000 * 1024} -- ${mmnLine} run -- sh -c 'ulimit -n; ulimit -v; echo three >&3; exit 5'`,
    );
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("16\n500000\n");
    expect(ours(r.stderr)).toEqual([
      "mmn: only 16 open files are allowed (ulimit -n), mmn needs 25: running the command without notifications",
    ]);
    expect(readFileSync(join(box.cwd, "three.txt"), "utf8")).toBe("three\n");
    expect(server.requests).toEqual([]);
  },
);
