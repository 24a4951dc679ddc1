import { afterAll, beforeAll, expect, test } from "bun:test";
import { MMN, mmn, sandbox } from "../helpers/cli.ts";
import { outputOf } from "../helpers/output.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

// Issue 17, item 2: a compute node without a route to the server is told as such, with where to
// read what works, not as a typo in the URL. `unshare -n` (root) is a node with no route at all.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const unshare = Bun.spawnSync(["unshare", "-n", "true"], { stdout: "ignore", stderr: "ignore" });
if (unshare.exitCode !== 0) console.log("no-route: skipped, `unshare -n` is not permitted here (root in CI)");

const HINT =
  'hint: run mmn where the server can be reached, as on the login node; see README, "Compute nodes without a route"\n';

test.if(unshare.exitCode === 0)(
  "mmn send on a node with no route to the server: what it likely means, and README's section",
  async () => {
    const box = sandbox(server, { user: "alice" });
    const proc = Bun.spawn(["unshare", "-n", "--", ...MMN, "send", "done", "--timeout", "1"], {
      cwd: box.cwd,
      env: box.env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const { stdout, stderr, code } = await outputOf(proc);
    const host = new URL(server.url).host;
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      `error: could not reach ${host}: no route to it from this machine (ENETUNREACH), as on a compute node without a route to the server\n${HINT}`,
    );
    expect(stderr).not.toContain("typo");
    expect(server.requests).toEqual([]);
    // The same from the server's own namespace goes out.
    expect((await mmn(box, ["send", "done"])).code).toBe(0);
  },
);
