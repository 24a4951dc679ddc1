/**
 * `mmn hook prune`: what finished runs left in the hook directory goes after a while; a hook
 * the user named, and anything that is not theirs, stays.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

const ROOT = process.geteuid?.() === 0;

let server: TestServer;
let box: Sandbox;
let hooks: string;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  box = sandbox(server, { user: "alice" });
  hooks = join(box.home, ".local/state/mmn/hooks");
});

const DAY = 86_400_000;
/** A file or directory last changed `days` ago. */
function age(path: string, days: number): void {
  const when = new Date(Date.now() - days * DAY);
  utimesSync(path, when, when);
}

describe("mmn hook prune", () => {
  test("removes the hooks of runs mmn named, done arrays and dead locks older than 7 days; a hook you named stays usable", async () => {
    expect((await mmn(box, ["send", "nightly: 1", "--id", "nightly"])).code).toBe(0);
    const run = await mmn(box, ["run", "--", "true"]);
    const fresh = /reporting as "(run-[^"]+)"/.exec(run.stderr)![1]!;
    const hook = (id: string) => join(hooks, `${id}.msg`);
    const text = await Bun.file(hook("nightly")).text();
    const old = ["run-vm-20261101-120000-ab12", "array-slurm-5000"];
    for (const id of old) writeFileSync(hook(id), text.replace("nightly", id), { mode: 0o600 });
    writeFileSync(join(hooks, "x.msg.lock"), "1@elsewhere 2026-11-01T00:00:00.000Z\n", { mode: 0o600 });
    const array = join(hooks, ".arrays/array-slurm-5000");
    const running = join(hooks, ".arrays/array-slurm-6000");
    mkdirSync(array, { recursive: true });
    mkdirSync(running, { recursive: true });
    writeFileSync(join(array, "done"), "");
    writeFileSync(join(running, "1.task"), "{}");
    // Another user's file in the store is not ours to remove, however old.
    const theirs = hook("run-vm-20261101-120000-zz99");
    writeFileSync(theirs, text, { mode: 0o644 });
    if (ROOT) chownSync(theirs, 4242, 4242);
    for (const path of [
      ...old.map(hook),
      join(hooks, "x.msg.lock"),
      join(array, "done"),
      array,
      theirs,
      hook("nightly"),
    ])
      age(path, 30);

    const dry = await mmn(box, ["hook", "prune", "--dry-run"]);
    expect(dry.code).toBe(0);
    const listed = dry.stdout
      .trim()
      .split("\n")
      .map((line) => line.split("\t").slice(0, 3).join(" "))
      .sort();
    expect(listed).toEqual(
      [
        "would remove array board array-slurm-5000",
        "would remove array state array-slurm-5000",
        "would remove leftover x.msg.lock",
        "would remove run hook run-vm-20261101-120000-ab12",
        ...(ROOT ? [] : ["would remove run hook run-vm-20261101-120000-zz99"]),
      ].sort(),
    );
    expect(dry.stderr).toContain(`${listed.length} entries older than 7d would be removed from ${hooks}`);
    expect(existsSync(hook(old[0]!))).toBe(true);

    const r = await mmn(box, ["hook", "prune"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(listed.length);
    expect(readdirSync(hooks).sort()).toEqual(
      // .runs: the runs' registry for mmn relay, empty once they told their end.
      [".arrays", ".runs", `${fresh}.msg`, "nightly.msg", ...(ROOT ? ["run-vm-20261101-120000-zz99.msg"] : [])].sort(),
    );
    expect(readdirSync(join(hooks, ".arrays"))).toEqual(["array-slurm-6000"]);
    // The id you named still edits its message, however old its hook.
    expect((await mmn(box, ["update", "--id", "nightly", "nightly: 2"])).code).toBe(0);
    expect((await mmn(box, ["update", "--id", fresh, "still here"])).code).toBe(0);

    expect((await mmn(box, ["hook", "prune", "--older-than", "1h"])).stdout).toBe("");
  });

  test("--older-than takes s, m, h, d and w; anything else, or a prune flag on another action, is exit 2", async () => {
    expect((await mmn(box, ["hook", "prune", "--older-than", "2w", "--dry-run"])).code).toBe(0);
    const bad = await mmn(box, ["hook", "prune", "--older-than", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid age "soon"');
    expect((await mmn(box, ["hook", "list", "--dry-run"])).code).toBe(2);
    const help = await mmn(box, ["hook", "--help"]);
    expect(help.stdout).toContain("prune");
    expect(help.stdout).toContain("--older-than");
  });
});
