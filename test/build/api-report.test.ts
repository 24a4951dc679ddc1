import { expect, test } from "bun:test";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.ts";
import { outputOf } from "../helpers/output.ts";

// The library's declarations: built into dist/lib by `bun run test` (and CI) before the suites run.
const LIB = join(ROOT, "dist/lib");
const REPORT = join(ROOT, "etc/mattermost-notify.api.md");

// `bun run api --check` itself runs in `bun run lint` against the committed report; this shows that it
// would catch a name exported without the report being updated, and leaves the report alone.
test.skipIf(!existsSync(join(LIB, "index.d.ts")))(
  "the API check fails on an export the committed report lacks, and shows it",
  async () => {
    const work = mkdtempSync(join(tmpdir(), "mmn-api-"));
    const types = join(work, "types");
    cpSync(LIB, types, { recursive: true, filter: (path) => !path.endsWith(".js") });
    appendFileSync(join(types, "index.d.ts"), "export declare function extra(): void;\n");
    const committed = readFileSync(REPORT, "utf8");

    const proc = Bun.spawn(["bun", "run", "api", "--check", "--types", types], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const { stdout, stderr, code } = await outputOf(proc);
    rmSync(work, { recursive: true });
    const output = stdout + stderr;

    expect(code).toBe(1);
    expect(output).toContain("+export function extra(): void;");
    expect(output).toContain("The public API differs from etc/mattermost-notify.api.md");
    expect(output).toContain("run `bun run api` and commit the report");
    expect(readFileSync(REPORT, "utf8")).toBe(committed);
  },
  60_000,
);
