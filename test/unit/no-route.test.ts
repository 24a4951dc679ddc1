import { expect, test } from "bun:test";
import { networkError } from "../../src/mattermost/failure.ts";

// Issue 17, item 2: what a failed connection likely means on a cluster (through the binary with
// no route at all: test/cli/no-route.test.ts).

const HINT =
  'hint: run mmn where the server can be reached, as on the login node; see README, "Compute nodes without a route"\n';

test("no route to the host, and a connection that timed out, are told alike; a reply that did not come says it may be that", async () => {
  const request = { method: "POST", path: "/posts" };
  const failure = (code: string, timedOut = false) =>
    networkError((text) => text, request, {
      cause: Object.assign(new Error(code), { code }),
      timedOut,
      timeoutMs: 5000,
      url: "https://chat.example.org",
      proxy: undefined,
    });
  const unreachable = await failure("EHOSTUNREACH");
  expect(unreachable.message).toBe(
    "could not reach chat.example.org: no route to it from this machine (EHOSTUNREACH), as on a compute node without a route to the server",
  );
  expect(`hint: ${unreachable.hint}\n`).toBe(HINT);
  expect((await failure("ETIMEDOUT")).message).toBe(
    "could not reach chat.example.org: the connection timed out, as on a compute node without a route to the server",
  );
  const silent = await failure("TimeoutError", true);
  expect(silent.message).toBe("could not reach chat.example.org: no answer within 5 s");
  expect(silent.hint).toContain('README, "Compute nodes without a route"');
  // A refused connection is an answer: the address or port, not the route.
  expect((await failure("ECONNREFUSED")).hint).toBe(
    "check the URL and your network; behind a proxy, set HTTPS_PROXY or proxy=",
  );
});
