// `bun run test:cluster`: builds dist/mmn and runs test/cluster/*.cluster.ts against a private
// single-node Slurm. Where none can be started (not root, Slurm not installed) it says why in
// one line and succeeds. Extra arguments go to `bun test` (e.g. -t scancel).
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { clusterUnavailable } from "../test/cluster/prerequisites.ts";

const root = resolve(import.meta.dir, "..");
const reason = clusterUnavailable();
if (reason) {
  console.log(`cluster tests skipped: ${reason}`);
  process.exit(0);
}

const run = async (argv: string[]) => Bun.spawn(argv, { cwd: root, stdio: ["inherit", "inherit", "inherit"] }).exited;

const built = await run([process.execPath, join(root, "scripts/build.ts")]);
if (built !== 0) process.exit(built);

// Not *.test.ts, so that `bun test` (the fast loop) never starts a cluster: named one by one here.
const dir = join(root, "test/cluster");
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".cluster.ts"))
  .map((name) => `./test/cluster/${name}`);
// --no-orphans: should bun test die, the Slurm daemons it started die with it.
process.exit(
  await run([process.execPath, "test", "--no-orphans", "--timeout", "200000", ...files, ...process.argv.slice(2)]),
);
