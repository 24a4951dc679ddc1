import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  box = sandbox(server);
});

/** The marks of `mmn-phases origin=MS name=MS …`, in the order printed. */
function phasesOf(stderr: string): [string, number][] {
  const line = /^mmn-phases (.*)$/m.exec(stderr)?.[1] ?? "";
  return line
    .split(" ")
    .filter(Boolean)
    .map((pair) => {
      const [name, at] = pair.split("=");
      return [name!, Number(at)];
    });
}

describe("MMN_TRACE_PHASES (bun run bench's breakdown of a send)", () => {
  test("a send to a cached name prints each phase once, in order, on stderr, and sends as usual", async () => {
    // The name is resolved once; the traced send is then the bench's: one request.
    expect((await mmn(box, ["send", "first", "-u", "alice"])).code).toBe(0);
    const before = server.requests.length;
    const r = await mmn(box, ["send", "traced", "-u", "alice"], { env: { MMN_TRACE_PHASES: "1" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toStartWith("✔ sent (post ");
    const phases = phasesOf(r.stderr);
    expect(phases.map(([name]) => name)).toEqual([
      "origin",
      "main",
      "loaded",
      "config",
      "client",
      "request",
      "answer",
      "delivered",
      "printed",
    ]);
    // The origin is the epoch time the others count from; they only grow.
    expect(Math.abs(phases[0]![1] - Date.now())).toBeLessThan(60_000);
    const times = phases.slice(1).map(([, at]) => at);
    expect(times).toEqual(times.toSorted((a, b) => a - b));
    expect(server.requests.slice(before).map((req) => `${req.method} ${req.path}`)).toEqual(["POST /api/v4/posts"]);
    expect(server.postsIn(server.dmChannelWith(server.users.alice.id)!.id).map((p) => p.message)).toEqual([
      "first",
      "traced",
    ]);
  });

  test("unset, or set to anything but 1, nothing is printed about phases", async () => {
    for (const env of [{}, { MMN_TRACE_PHASES: "0" }] as Record<string, string>[]) {
      const r = await mmn(box, ["send", "quiet", "-u", "alice"], { env });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^✔ sent \(post [a-z0-9]{26}\)\n$/);
    }
  });
});
