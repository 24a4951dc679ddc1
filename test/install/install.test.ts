/**
 * install.sh against a local release folder (issue 19, item 1): packed by `bun run release`
 * from stand-in binaries (the real one for this machine when the tests run the compiled mmn),
 * served by Bun.serve, installed by a user without root (uid 4242 when the tests run as root).
 * Other machines are what a fake `uname`, `ldd`, `getconf` and cpuinfo say.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TARGETS } from "../../scripts/targets.ts";
import { ROOT } from "../helpers/cli.ts";

const USER = process.geteuid?.() === 0 ? 4242 : undefined;
const REAL = process.env.MMN_BIN ? join(ROOT, process.env.MMN_BIN) : undefined;
const ARCH = process.arch === "arm64" ? "arm64" : "x64";
/** This machine's binary, when it is real: a CPU with AVX2 is said by the fake cpuinfo. */
const HOST = `mmn-linux-${ARCH}`;
const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;

let root: string;
let release: string;
let fakes: string;
let server: ReturnType<typeof Bun.serve>;
const served = new Map<string, Uint8Array>();
const tampered = new Map<string, Uint8Array>();
const asked: string[] = [];
/** A download the server starts, then holds until the test lets it end (cut short). */
let held: { name: string; arrived: () => void; finished: Promise<void> } | undefined;

/** A binary for another machine, as far as install.sh can tell: it answers --version and help --man. */
const standIn = (name: string) =>
  `#!/bin/sh\ncase "$1" in\n--version) echo "stand-in ${name}" ;;\nhelp) printf '.TH MMN 1\\n.SH NAME\\nmmn \\\\- ${name}\\n' ;;\nesac\n`;

/** Directories the installing user may enter and write. */
function ownDir(path: string): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  if (USER !== undefined) chownSync(path, USER, USER);
  return path;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "mmn-install-"));
  chmodSync(root, 0o755);
  const binaries = join(root, "binaries");
  mkdirSync(binaries);
  for (const { out } of TARGETS) {
    if (out === HOST && REAL) writeFileSync(join(binaries, out), readFileSync(REAL));
    else writeFileSync(join(binaries, out), standIn(out), { mode: 0o755 });
  }
  release = join(root, "release");
  const pack = Bun.spawn(["bun", "scripts/release.ts", "--from", binaries, "--out", release, "--level", "1"], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(pack.stdout).text(),
    new Response(pack.stderr).text(),
    pack.exited,
  ]);
  if (code !== 0) throw new Error(`release failed: ${out}${err}`);
  for (const name of readdirSync(release)) served.set(name, readFileSync(join(release, name)));
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const name = decodeURIComponent(new URL(request.url).pathname.replace(/^\/release\//, ""));
      asked.push(name);
      if (held?.name === name) {
        const { arrived, finished } = held;
        const half = served.get(name)!.subarray(0, 16);
        return new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(half);
              arrived();
              await finished;
              controller.close();
            },
          }),
        );
      }
      const body = tampered.get(name) ?? served.get(name);
      return body ? new Response(body) : new Response("not found", { status: 404 });
    },
  });
  fakes = join(root, "fakes");
  mkdirSync(fakes);
  // What a fake machine says of itself: FAKE_OS, FAKE_ARCH, FAKE_LDD, FAKE_GLIBC.
  const fake = (name: string, script: string) =>
    writeFileSync(join(fakes, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  fake("uname", 'case "$1" in -s) echo "$FAKE_OS" ;; -m) echo "$FAKE_ARCH" ;; esac');
  fake("ldd", 'echo "$FAKE_LDD"');
  fake("getconf", 'echo "$FAKE_GLIBC"');
  writeFileSync(join(root, "cpuinfo-avx2"), "flags\t\t: fpu sse2 avx avx2 bmi2\n");
  writeFileSync(join(root, "cpuinfo-old"), "flags\t\t: fpu sse2 sse4_2 avx\n");
});
// Real binaries are 100 MiB each: nothing of them stays in /tmp.
afterAll(async () => {
  await server?.stop(true);
  rmSync(root, { recursive: true, force: true });
});

interface Machine {
  os?: string;
  arch?: string;
  ldd?: string;
  glibc?: string;
  avx2?: boolean;
}

/** `curl -fsSL URL/install.sh | sh -s -- ARGS`, as a user without root, on the machine described. */
async function install(args: string[], machine: Machine = {}) {
  const home = ownDir(mkdtempSync(join(root, "home-")));
  const base = `http://127.0.0.1:${server.port}/release`;
  const pretend = machine.os || machine.arch || machine.ldd || machine.glibc;
  const env: Record<string, string> = {
    HOME: home,
    PATH: `${pretend ? `${fakes}:` : ""}/usr/local/bin:/usr/bin:/bin`,
    LANG: "C.UTF-8",
    SHELL: "/bin/bash",
    MMN_INSTALL_CPUINFO: join(root, machine.avx2 === false ? "cpuinfo-old" : "cpuinfo-avx2"),
    FAKE_OS: machine.os ?? "Linux",
    FAKE_ARCH: machine.arch ?? (ARCH === "x64" ? "x86_64" : "aarch64"),
    FAKE_LDD: machine.ldd ?? "ldd (GNU libc) 2.36",
    FAKE_GLIBC: machine.glibc ?? "glibc 2.36",
  };
  const as = USER === undefined ? [] : ["setpriv", `--reuid=${USER}`, `--regid=${USER}`, "--clear-groups", "--"];
  const line = `curl -fsSL ${base}/install.sh | sh -s -- --base-url ${base} ${args.join(" ")}`;
  asked.length = 0;
  const proc = Bun.spawn([...as, "sh", "-c", line], { cwd: home, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { home, stdout, stderr, code, asked: [...asked] };
}

/** `sh install.sh` again in that home, on an arm64 Linux, from the folder: a second install over the first. */
function reinstall(home: string, env: Record<string, string> = {}) {
  const as = USER === undefined ? [] : ["setpriv", `--reuid=${USER}`, `--regid=${USER}`, "--clear-groups", "--"];
  const base = `http://127.0.0.1:${server.port}/release`;
  return Bun.spawn([...as, "sh", join(release, "install.sh"), "--base-url", base, `--prefix=${join(home, "tools")}`], {
    cwd: home,
    env: {
      HOME: home,
      PATH: `${fakes}:/usr/bin:/bin`,
      FAKE_OS: "Linux",
      FAKE_ARCH: "aarch64",
      FAKE_GLIBC: "glibc 2.36",
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
}

const run = (path: string, args: string[]) => {
  const proc = Bun.spawnSync([path, ...args], { stdout: "pipe", env: { PATH: "/usr/bin:/bin" } });
  return proc.stdout.toString().trim();
};

describe("the release folder", () => {
  test("every target gzipped, install.sh, mmn.1, and SHA256SUMS that sha256sum -c accepts", () => {
    expect(readdirSync(release).sort()).toEqual(
      [...TARGETS.map(({ out }) => `${out}.gz`), "SHA256SUMS", "install.sh", "mmn.1"].sort(),
    );
    const check = Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: release, stdout: "pipe" });
    expect(check.exitCode).toBe(0);
    expect(check.stdout.toString().trim().split("\n")).toHaveLength(TARGETS.length + 2);
    expect(readFileSync(join(release, "mmn.1"), "utf8")).toStartWith('.TH MMN 1 "" "mmn ');
  });
});

describe(`install.sh${USER === undefined ? " (as this user: not root, cannot become another)" : " as uid 4242"}`, () => {
  test("curl | sh on this machine: ~/.local/bin/mmn that runs, its manual page, and how to put it on PATH", async () => {
    const r = await install([]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const bin = join(r.home, ".local/bin/mmn");
    expect(r.asked).toEqual(["install.sh", "SHA256SUMS", `${HOST}.gz`]);
    expect(run(bin, ["--version"])).toBe(REAL ? VERSION : `stand-in ${HOST}`);
    const page = readFileSync(join(r.home, ".local/share/man/man1/mmn.1"), "utf8");
    expect(page).toStartWith(REAL ? '.TH MMN 1 "" "mmn ' : ".TH MMN 1");
    expect(r.stdout).toContain(`installed mmn ${REAL ? VERSION : `stand-in ${HOST}`} (linux-${ARCH}) to ${bin}`);
    expect(r.stdout).toContain(`${join(r.home, ".local/bin")} is not on your PATH; to put it there:\n`);
    expect(r.stdout).toContain(`echo 'export PATH="${join(r.home, ".local/bin")}:$PATH"' >> ${r.home}/.bashrc`);
    // Nothing left beside it.
    expect(readdirSync(join(r.home, ".local/bin"))).toEqual(["mmn"]);
  });

  test("--prefix, and the binary of each other machine: arm64, musl, no AVX2, macOS", async () => {
    for (const [machine, asset] of [
      [{ arch: "aarch64" }, "mmn-linux-arm64"],
      [{ arch: "x86_64", avx2: false }, "mmn-linux-x64-baseline"],
      [{ arch: "x86_64", ldd: "musl libc (x86_64)\nVersion 1.2.4" }, "mmn-linux-x64-musl"],
      [{ arch: "x86_64", ldd: "musl libc (x86_64)", avx2: false }, "mmn-linux-x64-musl-baseline"],
      [{ arch: "aarch64", ldd: "musl libc (aarch64)" }, "mmn-linux-arm64-musl"],
      [{ os: "Darwin", arch: "arm64" }, "mmn-darwin-arm64"],
      [{ os: "Darwin", arch: "x86_64", avx2: false }, "mmn-darwin-x64"],
    ] as const) {
      const r = await install(["--prefix", "tools"], machine);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.asked).toEqual(["install.sh", "SHA256SUMS", `${asset}.gz`]);
      const prefix = join(r.home, "tools");
      if (asset !== HOST || !REAL) expect(run(join(prefix, "bin/mmn"), ["--version"])).toBe(`stand-in ${asset}`);
      expect(readFileSync(join(prefix, "share/man/man1/mmn.1"), "utf8")).toStartWith(".TH MMN 1");
      expect(r.stdout).toContain(`${join(prefix, "bin")} is not on your PATH`);
      expect(existsSync(join(r.home, ".local"))).toBe(false);
    }
  });

  test("an unsupported system, processor or glibc is refused, saying why, with nothing downloaded or installed", async () => {
    for (const [machine, words] of [
      [{ os: "FreeBSD" }, "mmn install: error: mmn has no binary for FreeBSD\n"],
      [{ arch: "riscv64" }, "mmn install: error: mmn has no binary for the riscv64 processor\n"],
      [{ glibc: "glibc 2.12" }, "mmn install: error: this system's glibc is 2.12; mmn needs 2.17 or newer\n"],
    ] as const) {
      const r = await install([], machine);
      expect(r.code).toBe(1);
      expect(r.stderr).toStartWith(words);
      expect(r.asked).toEqual(["install.sh"]);
      expect(existsSync(join(r.home, ".local"))).toBe(false);
    }
  });

  test("a binary that does not match SHA256SUMS is refused, and the one installed before stays", async () => {
    const first = await install(["--prefix", "tools"], { arch: "aarch64" });
    expect(first.code).toBe(0);
    const bin = join(first.home, "tools/bin/mmn");
    // The same home again: a mirror now serves an altered binary.
    tampered.set("mmn-linux-arm64.gz", Bun.gzipSync(new TextEncoder().encode(standIn("evil"))));
    try {
      const again = reinstall(first.home);
      const [stderr, code] = await Promise.all([new Response(again.stderr).text(), again.exited]);
      expect(code).toBe(1);
      expect(stderr).toContain("mmn install: error: mmn-linux-arm64.gz does not match its checksum in SHA256SUMS");
      expect(stderr).toContain("nothing installed");
    } finally {
      tampered.clear();
    }
    expect(run(bin, ["--version"])).toBe("stand-in mmn-linux-arm64");
    expect(readdirSync(join(first.home, "tools/bin"))).toEqual(["mmn"]);
  });

  test("an install stopped in the middle of the download leaves the old binary and no temporary file", async () => {
    const first = await install(["--prefix", "tools"], { arch: "aarch64" });
    expect(first.code).toBe(0);
    const tmp = ownDir(join(first.home, "tmp"));
    let arrived = () => {};
    const asked = new Promise<void>((resolve) => (arrived = resolve));
    let finish = () => {};
    held = { name: "mmn-linux-arm64.gz", arrived, finished: new Promise<void>((resolve) => (finish = resolve)) };
    try {
      const again = reinstall(first.home, { TMPDIR: tmp });
      await asked;
      again.kill("SIGTERM");
      // The shell runs its trap once curl, its foreground command, ends: the server closes the download.
      finish();
      expect(await again.exited).toBe(143);
    } finally {
      held = undefined;
    }
    expect(run(join(first.home, "tools/bin/mmn"), ["--version"])).toBe("stand-in mmn-linux-arm64");
    expect(readdirSync(join(first.home, "tools/bin"))).toEqual(["mmn"]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test.if(Bun.which("shellcheck") !== null)("install.sh is POSIX sh that shellcheck finds nothing in", () => {
    const check = Bun.spawnSync(["shellcheck", "-s", "sh", join(ROOT, "install.sh")], { stdout: "pipe" });
    expect(check.stdout.toString()).toBe("");
    expect(check.exitCode).toBe(0);
  });
});
