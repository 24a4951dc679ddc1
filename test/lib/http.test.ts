import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { MemoryNameCache, NetworkError, Notify, ServerError } from "../../src/index.ts";
import { Api } from "../../src/mattermost/api.ts";
import * as rest from "../../src/mattermost/endpoints.ts";
import { type RetryPolicy, retryDelay } from "../../src/mattermost/retry.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
const api = (extra: Partial<ConstructorParameters<typeof Api>[0]> = {}) =>
  new Api({ url: server.url, token: server.token, timeoutMs: 400, retries: 2, ...extra });
const hits = (path: string) => server.requests.filter((r) => r.path === `/api/v4${path}`);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe("timeouts and retries", () => {
  test("a hanging server is given up on in time", async () => {
    server.fault({ kind: "hang", path: "/api/v4/users/me" });
    const started = performance.now();
    const error = await rest.getMe(api({ retries: 0 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/no answer within 0.4 s/);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test("a retry after a timeout really sends again", async () => {
    server.fault({ kind: "hang", path: "/api/v4/users/me", times: 1 });
    const me = await rest.getMe(api());
    expect(me.username).toBe("notify-bot");
    expect(hits("/users/me")).toHaveLength(2);
  });

  test("5xx and a reset connection are retried with backoff", async () => {
    server.fault({ kind: "status", status: 503, path: "/api/v4/users/me", times: 1 });
    server.fault({ kind: "reset", path: "/api/v4/users/me", times: 1 });
    const retries: string[] = [];
    await rest.getMe(api({ onRetry: ({ reason }) => retries.push(reason) }));
    expect(hits("/users/me").map((r) => r.status)).toEqual([503, 0, 200]);
    // Bun's fetch repeats a request whose reused connection was reset by itself, so we may see one.
    expect(retries.length).toBeGreaterThanOrEqual(1);
  });

  test("a create-post retried after a timeout does not post twice (pending_post_id)", async () => {
    const notify = new Notify({ url: server.url, token: server.token, team: "research", timeoutMs: 300, retries: 2 });
    server.fault({ kind: "delay", ms: 600, path: "/api/v4/posts", times: 1 });
    await notify.sendToChannel("once", "town-square");
    const attempts = hits("/posts");
    expect(attempts.length).toBe(2);
    const ids = attempts.map((r) => (r.body as { pending_post_id: string }).pending_post_id);
    expect(ids[0]).toBe(ids[1]!);
    await Bun.sleep(700);
    expect(server.postsIn(server.channels.townSquare.id).map((p) => p.message)).toEqual(["once"]);
  });

  test("a proxy's HTML error page becomes one short line of its text", async () => {
    const page = `<html><head><style>body { color: red }</style></head><body><h1>502 Bad Gateway</h1>${"<p>filler</p>".repeat(2000)}</body></html>`;
    server.fault({ kind: "status", status: 502, path: "/api/v4/users/me", times: 4, body: page });
    const error = (await rest.getMe(api({ retries: 0 })).catch((e: unknown) => e)) as Error;
    expect(error.message).toStartWith("502 Bad Gateway filler filler");
    expect(error.message).toEndWith("… (HTTP 502)");
    expect(error.message.length).toBeLessThan(220);
  });

  test("429 waits for X-Ratelimit-Reset, then goes through", async () => {
    server.fault({ kind: "status", status: 429, path: "/api/v4/users/me", times: 1, body: "limit exceeded\n" });
    const waits: number[] = [];
    const me = await rest.getMe(api({ onRetry: ({ waitMs }) => waits.push(waitMs) }));
    expect(me.username).toBe("notify-bot");
    expect(waits).toHaveLength(1);
  });

  test("the wait is Retry-After (the next request), not X-Ratelimit-Reset (the whole burst back)", async () => {
    const limited = await startTestServer({ rateLimit: { perSecond: 0.5, burst: 4 } });
    try {
      const waits: number[] = [];
      const client = new Api({
        url: limited.url,
        token: limited.token,
        retries: 1,
        maxRetryWaitMs: 5000,
        onRetry: ({ waitMs }) => waits.push(waitMs),
      });
      for (let i = 0; i < 6; i++) await rest.getMe(client);
      // The burst is back only after 8 s, over the 5 s this client may wait: it must not give up.
      expect(limited.requests.map((r) => r.status)).toContain(429);
      // Jittered a little upwards, so that clients refused together do not come back together.
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThanOrEqual(2000);
      expect(waits[0]).toBeLessThanOrEqual(2400);
    } finally {
      await limited.close();
    }
  });

  test("a real rate limiter's 429 is honoured", async () => {
    const limited = await startTestServer({ rateLimit: { perSecond: 2, burst: 1 } });
    try {
      const waits: number[] = [];
      const onRetry = ({ waitMs }: { waitMs: number }) => waits.push(waitMs);
      const client = new Api({ url: limited.url, token: limited.token, retries: 3, onRetry });
      for (let i = 0; i < 4; i++) await rest.getMe(client);
      expect(limited.requests.map((r) => r.status)).toContain(429);
      expect(waits.length).toBeGreaterThan(0);
      expect(waits[0]).toBeGreaterThanOrEqual(1000);
    } finally {
      await limited.close();
    }
  });

  test("a 429 asking to wait longer than the cap fails at once", async () => {
    server.fault({ kind: "status", status: 429, path: "/api/v4/users/me", body: "slow down" });
    const error = (await rest.getMe(api({ maxRetryWaitMs: 100 })).catch((e: unknown) => e)) as ServerError;
    expect(error.status).toBe(429);
    expect(hits("/users/me")).toHaveLength(1);
  });

  test("4xx other than 429 is not retried", async () => {
    await expect(rest.getUserByUsername(api(), "nobody")).rejects.toThrow(ServerError);
    expect(hits("/users/username/nobody")).toHaveLength(1);
  });

  test("connection refused is a network error naming the host", async () => {
    await server.refuse();
    try {
      const error = await rest.getMe(api({ retries: 1 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as Error).message).toBe(`could not reach 127.0.0.1:${server.port}: connection refused`);
    } finally {
      await server.accept();
    }
  });
});

describe("the end of a run against its deadline", () => {
  // The policy itself, at draws of its jitter that no test against the server can choose.
  const unavailable = new ServerError("down", { status: 503, request: { method: "POST", path: "/posts" } });
  const deadlineIn = (ms: number): RetryPolicy => ({ shape: "deadline", deadline: performance.now() + ms });

  test("the end of a run with seconds left always tries again, at the latest a second before its deadline", () => {
    // Round 3 draws 800 to 2400 ms: more than the 2.1 s left about one time in five.
    for (let i = 0; i < 200; i++) {
      const wait = retryDelay(unavailable, 3, deadlineIn(2100), true);
      expect(wait).toBeGreaterThan(0);
      expect(wait!).toBeLessThanOrEqual(1100);
    }
  });

  test("with a second left or less, a wait that does not fit is no try; a command's tries are not stretched to fit", () => {
    const tries: RetryPolicy = { shape: "tries", retries: 5, deadline: performance.now() + 2100, maxWaitMs: 60_000 };
    const draws = Array.from({ length: 200 }, () => retryDelay(unavailable, 3, tries, true));
    expect(draws).toContain(undefined);
    for (const wait of draws) if (wait !== undefined) expect(wait).toBeLessThan(2100);
    for (let i = 0; i < 200; i++) expect(retryDelay(unavailable, 4, deadlineIn(900), true)).toBeUndefined();
  });
});

describe("name cache", () => {
  test("a second send to the same user costs one request", async () => {
    const names = new MemoryNameCache();
    await new Notify({ url: server.url, token: server.token, names }).sendToUser("1", "alice");
    server.requests.length = 0;
    await new Notify({ url: server.url, token: server.token, names }).sendToUser("2", "alice");
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/v4/posts"]);
  });

  test("a stale cached id is dropped and the name resolved again", async () => {
    const names = new MemoryNameCache();
    const notify = new Notify({ url: server.url, token: server.token, team: "research", names });
    await names.set(`${server.url} channel research/general`, "stalechannelid000000000000");
    const post = await notify.sendToChannel("x", "general");
    expect(post.channel_id).toBe(server.channels.general.id);
    expect(await names.get(`${server.url} channel research/general`)).toBe(server.channels.general.id);
    expect(server.requests.map((r) => r.status)).toEqual([403, 200, 201]);
  });
});
