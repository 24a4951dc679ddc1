/**
 * The layers of `src/` (issue 16, item 6), read from the imports: `base/` (errors, the disk,
 * text from elsewhere, ids, the version) imports nothing of mmn above it; the REST layer
 * (`mattermost/`) stands on `base/` alone; hooks and their lock never reach the REST layer;
 * the library's door stands below the CLI and the wrapper.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Glob } from "bun";

const SRC = join(import.meta.dir, "../../src");
const files = [...new Glob("**/*.ts").scanSync(SRC)].sort();

/** Every module of `src/` a file imports, as a path under `src/` (packages and `node:` left out). */
function importsOf(file: string): string[] {
  const source = readFileSync(join(SRC, file), "utf8");
  return [...source.matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)].map((m) =>
    relative(SRC, join(SRC, file, "..", m[1]!)),
  );
}

/** The arrows from the files `from` picks to the modules `allowed` refuses, as `file → module`. */
function arrows(from: (file: string) => boolean, allowed: (target: string) => boolean): string[] {
  return files.filter(from).flatMap((file) =>
    importsOf(file)
      .filter((target) => !allowed(target))
      .map((target) => `${file} → ${target}`),
  );
}

const under = (folder: string) => (file: string) => file.startsWith(`${folder}/`);

test("base/ imports only base/ (and the package's version)", () => {
  expect(files.filter(under("base")).length).toBeGreaterThan(0);
  expect(arrows(under("base"), (t) => under("base")(t) || t === "../package.json")).toEqual([]);
});

test("the REST layer (mattermost/) imports only itself and base/", () => {
  expect(arrows(under("mattermost"), (t) => under("mattermost")(t) || under("base")(t))).toEqual([]);
});

test("hooks and their lock do not import the REST layer", () => {
  const hooks = (file: string) => /(^|\/)hook[^/]*\.ts$/.test(file) && !under("cli")(file) && !under("run")(file);
  expect(files.filter(hooks).length).toBeGreaterThan(0);
  expect(arrows(hooks, (t) => !under("mattermost")(t))).toEqual([]);
});

test("the library and the scheduler import neither the CLI nor the wrapper", () => {
  const library = (file: string) => !under("cli")(file) && !under("run")(file);
  expect(arrows(library, (t) => !under("cli")(t) && !under("run")(t))).toEqual([]);
});
