/**
 * `bun run build`: dist/mmn for this machine, dist/lib/ (the library for Node) and dist/cli/
 * (the npm package's `mmn`, for Node).
 * `bun run build --all`: also the release binaries for the other platforms.
 * `bun run build --lib`: only what the npm package ships, dist/lib/ and dist/cli/ (`prepack`).
 */

import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { $ } from "bun";
import { emitDeclarations } from "./declarations.ts";
import { TARGETS } from "./targets.ts";

const ROOT = join(import.meta.dir, "..");
const DIST = join(ROOT, "dist");

/**
 * ESM split into chunks: each command's code is a chunk of its own that its `import()`
 * loads only when that command runs, so `mmn --version` loads none of them and a
 * dependency imported lazily costs nothing until it is used. Measured with Bun 1.4.5
 * against the CommonJS build, which evaluates nothing early but loads the whole bundle
 * at start: `mmn --version` x0.88, `mmn send` x0.93-0.95 (medians of interleaved runs).
 * One ESM file without splitting would hoist every builtin import of every command to
 * the start (`--version` x1.2). Bytecode works with the chunks too.
 * The binary must never read `.env` or `bunfig.toml` from the directory it runs in: the
 * first leaks into the wrapped command's environment, the second runs `preload` scripts.
 * `--use-system-ca` makes Bun also trust every .crt/.pem in /etc/ssl/certs, which on
 * RHEL-style systems links to /etc/pki/tls/certs (ca-bundle.crt). Bun reads them at the
 * first TLS connection, not at start: http and `--version` pay nothing for it.
 * `--smol` collects garbage sooner: `mmn run` holds ~1.5 MiB less at idle and peaks 3-7 MiB
 * lower through a command's fast output (it counts against the job's memory); `send` and the
 * copy's speed measured the same (interleaved A/B, CPU time and wall).
 */
async function compile(outfile: string, target?: string): Promise<void> {
  const args = [
    "build",
    "src/cli/main.ts",
    "--compile",
    "--minify",
    "--bytecode",
    "--format=esm",
    "--splitting",
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    "--no-compile-autoload-tsconfig",
    "--no-compile-autoload-package-json",
    "--compile-exec-argv=--use-system-ca --smol",
    `--outfile=${outfile}`,
    ...(target ? [`--target=${target}`] : []),
  ];
  const proc = Bun.spawn(["bun", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  // A failed bytecode pass still exits 0 and leaves a binary that crashes at start.
  if (code !== 0 || /Failed to generate bytecode/i.test(out + err)) {
    throw new Error(`bun build ${target ?? "(host)"} failed:\n${out}${err}`);
  }
}

async function buildLibrary(): Promise<void> {
  const lib = join(DIST, "lib");
  await rm(lib, { recursive: true, force: true });
  const result = await Bun.build({
    entrypoints: [join(ROOT, "src/index.ts")],
    outdir: lib,
    target: "node",
    format: "esm",
    packages: "external",
  });
  if (!result.success) throw new AggregateError(result.logs, "library build failed");
  await emitDeclarations(lib);
}

/**
 * The npm package's `mmn`: the CLI bundled for Node >= 20 with citty and consola inside, so
 * that a library user installs neither. Split like
 * the binary, so that a command loads only its code. Under Node, `mmn run` says it needs
 * the binary or Bun (src/cli/main.ts); under Bun this same file runs it. main.ts has no
 * `#!/usr/bin/env bun` line: with one, Bun 1.4.5 bundles for Node a second copy of every
 * module the commands share with it (two UsageError classes: exit 1 instead of 2).
 */
async function buildNodeCli(): Promise<void> {
  const cli = join(DIST, "cli");
  await rm(cli, { recursive: true, force: true });
  const result = await Bun.build({
    entrypoints: [join(ROOT, "src/cli/main.ts")],
    outdir: cli,
    target: "node",
    format: "esm",
    splitting: true,
    minify: true,
    naming: { entry: "mmn.[ext]", chunk: "chunks/[name]-[hash].[ext]" },
  });
  if (!result.success) throw new AggregateError(result.logs, "CLI build for Node failed");
  const bin = join(cli, "mmn.js");
  await writeFile(bin, `#!/usr/bin/env node\n${await readFile(bin, "utf8")}`);
  await chmod(bin, 0o755);
}

const all = process.argv.includes("--all");
// The binary is compiled by a process of its own: beside the library's build, not after it.
const packages = buildLibrary().then(buildNodeCli);
if (process.argv.includes("--lib")) {
  await packages;
  process.exit(0);
}
await Promise.all([packages, compile(join(DIST, "mmn"))]);
if (all) for (const { target, out } of TARGETS) await compile(join(DIST, out), target);
const sizes = await $`ls -l ${DIST}`.text();
console.log(sizes.trim());
