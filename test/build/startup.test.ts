/**
 * What `mmn send` loads before its one request (issue 16, item 7), read from the chunks the
 * binary is built of: a Node module imported at the top of a chunk is evaluated at every
 * start. node:net (NO_PROXY's matcher) and node:zlib (a compressed answer's decoder) were,
 * and cost each send ~5 ms of CPU; each is now loaded where it is used.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.ts";

test("the chunks mmn send loads import no Node module at start", async () => {
  const built = await Bun.build({
    entrypoints: [join(ROOT, "src/cli/main.ts")],
    target: "bun",
    format: "esm",
    splitting: true,
    naming: { entry: "[name].[ext]", chunk: "[name]-[hash].[ext]" },
  });
  expect(built.success).toBe(true);
  const chunks = new Map(await Promise.all(built.outputs.map(async (out) => [out.path, await out.text()] as const)));
  // The chunks evaluated before the request: main's and send's, with what they import statically.
  const loaded = new Set<string>();
  const builtins = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const [, spec] of chunks.get(path)!.matchAll(/(?:^|\n)import\s*(?:[^"';]*?\sfrom\s*)?"([^"]+)"/g)) {
      if (spec!.startsWith("./")) visit(spec!);
      else builtins.add(spec!);
    }
  };
  visit("./main.js");
  // The command table (in main's chunk or one it imports) loads send's chunk on demand.
  const send = [...loaded].map((path) => /import\("(\.\/send-[^"]+)"\)/.exec(chunks.get(path)!)?.[1]).find(Boolean);
  expect(send).toBeDefined();
  visit(send!);
  expect(loaded.size).toBeGreaterThan(3);
  expect([...builtins]).toEqual([]);
});
