import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { MemoryNameCache, NetworkError, Notify, ServerError } from "../../src/index.ts";
import { Api } from "../../src/mattermost/api.ts";
import * as rest from "../../src/mattermost/endpoints.ts";
import { type RetryPolicy, retryDelay } from "../../src/mattermost/retry.ts";
import { waitFor } from "../run/helpers.ts";
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
    // The first attempt, delayed, is handled after the retry made the post: it makes no second one.
    await waitFor(() => attempts[0]!.handledAt !== undefined, 2000, "the delayed first attempt handled");
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
    server.fault({
      kind: "status",
      status: 429,
      path: "/api/v4/users/me",
      body: "slow down",
      headers: { "Retry-After": "5" },
    });
    const error = (await rest.getMe(api({ maxRetryWaitMs: 100 })).catch((e: unknown) => e)) as ServerError;
    expect(error.status).toBe(429);
    expect(error.hint).toBe(
      "the server is rate limiting requests and asks to wait 5 s: try again then, or give more time (--timeout)",
    );
    expect(hits("/users/me")).toHaveLength(1);
  });

  test("a 503 is tried again until the request's time is up, not three times (Retry-After: 0 waits the backoff)", async () => {
    server.fault({ kind: "status", status: 503, path: "/api/v4/users/me", times: 12, headers: { "Retry-After": "0" } });
    const me = await rest.getMe(new Api({ url: server.url, token: server.token, retryBackoffMs: 1 }));
    expect(me.username).toBe("notify-bot");
    expect(hits("/users/me").map((r) => r.status)).toEqual([...Array(12).fill(503), 200]);
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

describe("the retry policy, at draws of its jitter no test against a server can choose", () => {
  const request = { method: "POST", path: "/posts" };
  const unavailable = new ServerError("down", { status: 503, request });
  const limited = (retryAfterMs: number, refillMs?: number) =>
    new ServerError("limit exceeded", { status: 429, request, retryAfterMs, refillMs });
  const deadlineIn = (ms: number, extra: Partial<RetryPolicy> = {}): RetryPolicy => ({
    deadline: performance.now() + ms,
    ...extra,
  });
  const draws = (error: unknown, round: number, policy: RetryPolicy) =>
    Array.from({ length: 300 }, () => retryDelay(error, round, policy, true));

  test("with seconds left it always tries again, at the latest a second before its deadline", () => {
    // Round 3 draws 800 to 2400 ms: more than the 2.1 s left about one time in five.
    for (const wait of draws(unavailable, 3, deadlineIn(2100))) {
      expect(wait).toBeGreaterThan(0);
      expect(wait!).toBeLessThanOrEqual(1100);
    }
    // Less than a second left: one last try a quarter of a second before the end, then none.
    for (const wait of draws(unavailable, 4, deadlineIn(900))) {
      expect(wait).toBeGreaterThan(0);
      expect(wait!).toBeLessThanOrEqual(650);
    }
    expect(draws(unavailable, 0, deadlineIn(240))).toEqual(Array(300).fill(undefined));
  });

  test("a count of retries, when given, is kept; none given, the tries go on as long as time is left", () => {
    expect(retryDelay(unavailable, 2, deadlineIn(60_000, { retries: 2 }), true)).toBeUndefined();
    expect(retryDelay(unavailable, 40, deadlineIn(60_000), true)).toBeGreaterThan(0);
  });

  test("Retry-After is waited in full, then spread over a window that widens up to X-Ratelimit-Reset", () => {
    // A first refusal comes back within a second of Retry-After: a few clients are soon through.
    for (const wait of draws(limited(1000, 11_000), 0, deadlineIn(60_000)) as number[]) {
      expect(wait).toBeGreaterThanOrEqual(1000);
      expect(wait).toBeLessThanOrEqual(2000);
    }
    // Refused again and again, clients sharing the bucket spread over the time it takes to fill.
    const waits = draws(limited(1000, 11_000), 5, deadlineIn(60_000)) as number[];
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(1000);
      expect(wait).toBeLessThanOrEqual(11_000);
    }
    expect(waits.filter((w) => w > 6000).length).toBeGreaterThan(100);
    // Retry-After: 60 is honoured: a minute, or nothing when there is no minute left.
    expect(retryDelay(limited(60_000), 0, deadlineIn(120_000), true)).toBeGreaterThanOrEqual(60_000);
    expect(retryDelay(limited(60_000), 0, deadlineIn(20_000), true)).toBeUndefined();
    // The spread is cut to leave a last try; Retry-After itself never is.
    for (const wait of draws(limited(2000, 11_000), 3, deadlineIn(5000)) as number[]) {
      expect(wait).toBeGreaterThanOrEqual(2000);
      expect(wait).toBeLessThanOrEqual(4000);
    }
  });

  test("a 503's Retry-After is honoured too; a server that does not answer is given up on at its own, sooner end", () => {
    const busy = new ServerError("busy", { status: 503, request, retryAfterMs: 3000 });
    for (const wait of draws(busy, 0, deadlineIn(60_000)) as number[]) expect(wait).toBeGreaterThanOrEqual(3000);
    const end = deadlineIn(60_000, { unansweredDeadline: performance.now() + 240 });
    expect(draws(unavailable, 4, end)).toEqual(Array(300).fill(undefined));
    for (const wait of draws(limited(1000, 11_000), 0, end)) expect(wait).toBeGreaterThanOrEqual(1000);
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
