// `bun run test:package`: test/package/*.package.ts, the npm package as its users get it (packed
// from a clean tree, installed into an empty project, used under Node without Bun and under Bun).
// Not in the fast loop: it packs, installs from the npm cache or registry and type-checks twice
// (~15 s alone, +15 s on the fast loop's 22). Without Node or npm it says so in one line and
// succeeds. Extra arguments go to `bun test` (e.g. -t scenarios).
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const missing = ["node", "npm"].find((tool) => !Bun.which(tool));
if (missing) {
  console.log(`package tests skipped: ${missing} is not installed`);
  process.exit(0);
}

const dir = join(root, "test/package");
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".package.ts"))
  .map((name) => `./test/package/${name}`);
const proc = Bun.spawn([process.execPath, "test", "--timeout", "120000", ...files, ...process.argv.slice(2)], {
  cwd: root,
  stdio: ["inherit", "inherit", "inherit"],
});
process.exit(await proc.exited);
