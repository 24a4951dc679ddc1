import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./cli.ts";

/** What `bun scripts/build.ts --lib` makes, and everything it is made from. */
const OUTPUTS = ["dist/lib/index.js", "dist/lib/index.d.ts", "dist/cli/mmn.js"];
const INPUTS = ["src", "scripts/build.ts", "scripts/declarations.ts", "tsconfig.lib.json", "package.json", "bun.lock"];

function newest(path: string): number {
  const facts = statSync(path);
  if (!facts.isDirectory()) return facts.mtimeMs;
  let latest = facts.mtimeMs;
  for (const name of readdirSync(path, { recursive: true, encoding: "utf8" })) {
    latest = Math.max(latest, statSync(join(path, name)).mtimeMs);
  }
  return latest;
}

/**
 * Whether dist/lib and dist/cli were built after the last change to what they are built from
 * (`bun run test` builds them just before the suites run): a stale dist/ must not pass for the
 * library, and a current one need not be built again (a build is ~5 s of CPU).
 */
export function libraryIsCurrent(): boolean {
  const outputs = OUTPUTS.map((path) => join(ROOT, path));
  if (!outputs.every((path) => existsSync(path))) return false;
  const built = Math.min(...outputs.map((path) => statSync(path).mtimeMs));
  return INPUTS.every((path) => !existsSync(join(ROOT, path)) || newest(join(ROOT, path)) <= built);
}
