import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mmn, ROOT, sandbox } from "../helpers/cli.ts";
import { outputOf } from "../helpers/output.ts";

// The compiled binary: built by `bun run test` (and CI) before the suites run.
const BIN = join(ROOT, "dist/mmn");
const built = existsSync(BIN);

describe.skipIf(!built)("the compiled binary", () => {
  test("needs no glibc symbol newer than 2.17 (CentOS 7)", async () => {
    const proc = Bun.spawn(["objdump", "-T", BIN], { stdout: "pipe" });
    const symbols = await new Response(proc.stdout).text();
    const versions = [...new Set(symbols.match(/GLIBC_\d+(\.\d+)*/g) ?? [])];
    expect(versions.length).toBeGreaterThan(0);
    const newer = versions.filter((v) => {
      const [major = 0, minor = 0] = v.slice(6).split(".").map(Number);
      return major > 2 || (major === 2 && minor > 17);
    });
    expect(newer).toEqual([]);
  });

  test("ignores .env and bunfig.toml in the working directory", async () => {
    const box = sandbox();
    writeFileSync(join(box.cwd, ".env"), "LEAKED_FROM_DOTENV=yes\nMMN_URL=http://127.0.0.1:9\n");
    writeFileSync(
      join(box.cwd, "preload.ts"),
      `require("fs").writeFileSync(${JSON.stringify(join(box.cwd, "PWNED"))}, "x");`,
    );
    writeFileSync(join(box.cwd, "bunfig.toml"), 'preload = ["./preload.ts"]\n');
    const proc = Bun.spawn([BIN, "run", "--", "env"], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" });
    const { stdout: out, stderr: err, code } = await outputOf(proc);
    expect(code).toBe(0);
    expect(out).not.toContain("LEAKED_FROM_DOTENV");
    expect(err).toContain("no Mattermost server URL is configured");
    expect(existsSync(join(box.cwd, "PWNED"))).toBe(false);
  });

  test("--version answers without a configuration", async () => {
    const r = await mmn(sandbox(), ["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
