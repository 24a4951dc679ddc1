import { expect, test } from "bun:test";
import { join } from "node:path";
import { outputOf } from "../helpers/output.ts";

// README's second command must keep working: a demo that breaks on a changed flag is a broken promise.
test("bun run demo runs through, with no account, and shows what the server received", async () => {
  const proc = Bun.spawn(["bun", "run", "demo"], {
    cwd: join(import.meta.dir, "../.."),
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, code } = await outputOf(proc);
  expect({ code, stderr: stderr.includes("error:") ? stderr : "" }).toEqual({ code: 0, stderr: "" });
  expect(stdout).toContain("what the server received");
  expect(stdout).toContain("Status: failed with exit code 1");
  // What a first look shows is what mmn does, not requests the demo's server refuses.
  expect(stdout.match(/ → [45]\d\d$/gm) ?? []).toEqual([]);
  expect(stdout).toContain("🚨 ❌");
}, 60_000);
