import { expect } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestServer } from "../server/index.ts";

export const ROOT = resolve(import.meta.dir, "../..");

/** The compiled binary when MMN_BIN names it (CI), else the source through Bun. */
export const MMN: string[] = process.env.MMN_BIN
  ? [resolve(ROOT, process.env.MMN_BIN)]
  : ["bun", join(ROOT, "src/cli/main.ts")];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  cwd: string;
  env: Record<string, string>;
  /** Strings no output may contain: the server's token, and any a test adds. */
  secrets: string[];
  write(name: string, content: string | Uint8Array): string;
}

/** A temporary HOME (and working dir) configured for the server, like a user after `mmn setup`. */
export function sandbox(server?: TestServer, config: Record<string, string> = {}): Sandbox {
  const home = mkdtempSync(join(tmpdir(), "mmn-home-"));
  const cwd = mkdtempSync(join(tmpdir(), "mmn-cwd-"));
  if (server) {
    const values = { url: server.url, token: server.token, team: "research", ...config };
    writeFileSync(
      join(home, ".mmnrc"),
      Object.entries(values)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
      { mode: 0o600 },
    );
  }
  const env: Record<string, string> = {
    HOME: home,
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    NO_COLOR: "1",
    LANG: "C.UTF-8",
  };
  return {
    home,
    cwd,
    env,
    secrets: server ? [server.token] : [],
    write(name, content) {
      const path = join(cwd, name);
      writeFileSync(path, content);
      return path;
    },
  };
}

/**
 * Run mmn as a user would. Async, because the test server answers from this process.
 * Every run is checked for the token: it must never reach stdout or stderr.
 * `stderrFile`: stderr goes to that regular file, as in a batch job's `2> job.err`.
 */
export async function mmn(
  box: Sandbox,
  args: string[],
  options: { stdin?: string; env?: Record<string, string>; stderrFile?: string; uid?: number } = {},
): Promise<RunResult> {
  // Another user of the machine: needs root to become (setpriv), as CI runs.
  const as =
    options.uid === undefined
      ? []
      : ["setpriv", `--reuid=${options.uid}`, `--regid=${options.uid}`, "--clear-groups", "--"];
  const proc = Bun.spawn([...as, ...MMN, ...args], {
    cwd: box.cwd,
    env: { ...box.env, ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: options.stderrFile === undefined ? "pipe" : Bun.file(options.stderrFile),
  });
  const stderrText = async (): Promise<string> => {
    if (proc.stderr instanceof ReadableStream) return new Response(proc.stderr).text();
    await proc.exited;
    return Bun.file(options.stderrFile ?? "").text();
  };
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), stderrText(), proc.exited]);
  for (const secret of box.secrets) {
    expect(stdout).not.toContain(secret);
    expect(stderr).not.toContain(secret);
  }
  return { code, stdout, stderr };
}
