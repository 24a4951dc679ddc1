/**
 * `bun run release`: dist/release/, the one folder a release publishes (.github/workflows/
 * release.yml uploads it on a tag; a site may mirror it for `install.sh --base-url`):
 * every binary of `bun run build --all` gzipped as mmn-<os>-<arch>[-musl][-baseline].gz,
 * the manual page mmn.1, install.sh, and SHA256SUMS over all of them (`sha256sum -c` reads it).
 * `--from DIR` packs the binaries found in DIR instead of building them, `--out DIR`
 * writes elsewhere, and `--level N` compresses at gzip's level N instead of 6: the install
 * tests pack stand-ins and this machine's binary at level 1 (1 s of CPU, not 4).
 *
 * gzip, not xz: xz -6 is 24 % smaller, but it unpacks 3x slower in CPU time on a login
 * node (README: Install the binary, for the figures), and gzip is on every machine, macOS and
 * busybox included, where the `xz` program often is not.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TARGETS } from "./targets.ts";

const ROOT = join(import.meta.dir, "..");

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  if (at < 0) return undefined;
  const value = process.argv[at + 1];
  if (!value) throw new Error(`${name} needs a value`);
  return value;
}

async function run(argv: string[]): Promise<string> {
  const proc = Bun.spawn(argv, { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited with ${code}`);
  return out;
}

const from = option("--from");
const level = Number(option("--level") ?? 6);
if (!Number.isInteger(level) || level < 1 || level > 9) throw new Error("--level takes 1 to 9");
const out = option("--out") ?? join(ROOT, "dist/release");
if (!from) await run(["bun", "scripts/build.ts", "--all"]);
const binaries = from ?? join(ROOT, "dist");

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const { out: name } of TARGETS) {
  const started = performance.now();
  const packed = Bun.gzipSync(await readFile(join(binaries, name)), { level: level as 1 | 6 });
  await writeFile(join(out, `${name}.gz`), packed);
  console.log(
    `${name}.gz ${(packed.length / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
await writeFile(join(out, "install.sh"), await readFile(join(ROOT, "install.sh")), { mode: 0o755 });
// From the source: the same page every binary prints with `mmn help --man`.
await writeFile(join(out, "mmn.1"), await run([process.execPath, "src/cli/main.ts", "help", "--man"]));

const sums: string[] = [];
for (const name of (await readdir(out)).sort()) {
  const hash = new Bun.CryptoHasher("sha256");
  hash.update(await readFile(join(out, name)));
  sums.push(`${hash.digest("hex")}  ${name}\n`);
}
await writeFile(join(out, "SHA256SUMS"), sums.join(""));
const total = (await Promise.all((await readdir(out)).map(async (name) => (await stat(join(out, name))).size))).reduce(
  (a, b) => a + b,
  0,
);
console.log(`${out}: ${sums.length} files and SHA256SUMS, ${(total / 2 ** 20).toFixed(1)} MiB`);
