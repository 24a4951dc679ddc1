import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildResult } from "../../src/run/process/child.ts";

export const BUN = process.execPath;
export const HARNESS = join(import.meta.dir, "fixtures", "harness.ts");

export interface HarnessResult extends ChildResult {
  pid?: number;
  chunks: number;
  tail: string[];
}

/** A scratch directory per test file, removed by the returned cleanup. */
export function scratch(prefix: string): { dir: string; path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `mmn-${prefix}-`));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Where the harness writes its result (MMN_TEST_RESULT). */
  resultPath: string;
  stdin?: "ignore" | "pipe";
  /** In a session of its own: no controlling terminal, whatever runs the tests. */
  detached?: boolean;
}

/** Starts `bun harness.ts -- command...` with its stdout and stderr piped to us. */
export function startHarness(command: string[], opts: HarnessOptions) {
  return Bun.spawn([BUN, HARNESS, "--", ...command], {
    env: { ...process.env, ...opts.env, MMN_TEST_RESULT: opts.resultPath },
    stdin: opts.stdin ?? "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: opts.detached ?? false,
  });
}

export interface HarnessRun {
  code: number;
  stdout: Uint8Array;
  stderr: string;
  result: HarnessResult;
  ms: number;
}

export async function runHarness(command: string[], opts: HarnessOptions): Promise<HarnessRun> {
  const started = performance.now();
  const proc = startHarness(command, opts);
  const [stdout, stderr, code] = await Promise.all([
    bytesOf(proc.stdout),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr, result: readResult(opts.resultPath), ms: performance.now() - started };
}

export async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function readResult(path: string): HarnessResult {
  return JSON.parse(readFileSync(path, "utf8")) as HarnessResult;
}

/** Polls until check() holds; fails after timeoutMs. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

export const fileHas = (path: string, text: string) => existsSync(path) && readFileSync(path, "utf8").includes(text);

export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}
