import { expect, test } from "bun:test";
import { NetworkError, ServerError } from "../../src/base/errors.ts";
import { withRetries } from "../../src/mattermost/retry.ts";

const request = { method: "POST", path: "/posts" };

test("a try cut short by the deadline after the server answered: what the server said is thrown, not the time-out", async () => {
  let tries = 0;
  const failing = withRetries(
    async () => {
      tries++;
      if (tries === 1) throw new ServerError("boom (HTTP 503)", { status: 503, request });
      throw new NetworkError("no answer within 0.4 s", { request, reachedServer: true });
    },
    { deadline: performance.now() + 300, backoffMs: 1 },
    { idempotent: true },
  );
  await expect(failing).rejects.toThrow("boom (HTTP 503)");
  expect(tries).toBeGreaterThan(1);
});

test("a refusal for good after a time-out is thrown as it is", async () => {
  let tries = 0;
  const failing = withRetries(
    async () => {
      tries++;
      if (tries === 1) throw new NetworkError("no answer within 0.4 s", { request, reachedServer: true });
      throw new ServerError("the server rejected the token (HTTP 401)", { status: 401, request });
    },
    { deadline: performance.now() + 5000, backoffMs: 1 },
    { idempotent: true },
  );
  await expect(failing).rejects.toThrow("HTTP 401");
});

test("a 429 with Retry-After: 0 waits the backoff all the same: a broken proxy gets no request a millisecond", async () => {
  let tries = 0;
  const failing = withRetries(
    async () => {
      tries++;
      throw new ServerError("too many requests (HTTP 429)", { status: 429, request, retryAfterMs: 0 });
    },
    { deadline: performance.now() + 500, backoffMs: 100 },
    { idempotent: true },
  );
  await expect(failing).rejects.toThrow("HTTP 429");
  // 100, 200 ms (jittered ±50 %) fit in half a second: a handful of tries, not hundreds.
  expect(tries).toBeLessThan(8);
});
