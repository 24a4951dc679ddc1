// The test server's own behaviour, through plain fetch. The rate limiter and the injected faults.
import { describe, expect, test } from "bun:test";
import type { FileUploadResponse } from "@mattermost/types/files";
import { waitFor } from "../run/helpers.ts";
import { appError, form, useTestServer } from "./fetching.ts";
import { startTestServer } from "./index.ts";

const { server: s, call } = useTestServer();

describe("rate limiting", () => {
  test("burst + 1 requests pass, then 429 text/plain with the throttled headers", async () => {
    const limited = await startTestServer({ rateLimit: { perSecond: 1, burst: 2 } });
    try {
      const seen: Array<[number, string | null]> = [];
      for (let i = 0; i < 3; i++) {
        const r = await call("GET", "/users/me", { server: limited });
        seen.push([r.status, r.headers.get("x-ratelimit-remaining")]);
        expect(r.headers.get("x-ratelimit-limit")).toBe("3");
        expect(r.headers.get("retry-after")).toBeNull();
      }
      expect(seen).toEqual([
        [200, "2"],
        [200, "1"],
        [200, "0"],
      ]);
      const res = await fetch(`${limited.url}/api/v4/users/me`, {
        headers: { Authorization: `Bearer ${limited.token}` },
      });
      expect(res.status).toBe(429);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(await res.text()).toBe("limit exceeded\n");
      expect(res.headers.get("x-ratelimit-limit")).toBe("3");
      expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(Number(res.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get("retry-after"))).toBe(1);
      // Buckets are per token: alice is not limited.
      expect(
        (await call("GET", "/users/me", { server: limited, token: limited.tokenFor(limited.users.alice.id) })).status,
      ).toBe(200);
      expect(limited.requests.map((r) => r.status)).toEqual([200, 200, 200, 429, 200]);
    } finally {
      await limited.close();
    }
  });
});

describe("faults", () => {
  test("status with times: two 503s, then normal answers", async () => {
    s.fault({ kind: "status", status: 503, path: "/api/v4/users/me", times: 2 });
    const first = await call("GET", "/users/me");
    expect(first.status).toBe(503);
    expect(first.body).toEqual(
      appError(
        "api.test_server.injected_fault.app_error",
        "api.test_server.injected_fault.app_error",
        503,
        "injected by a test",
      ),
    );
    expect((await call("GET", "/users/me")).status).toBe(503);
    expect((await call("GET", "/users/me")).status).toBe(200);
    expect((await call("GET", "/system/ping")).status).toBe(200);
  });

  test("status with a JSON or text body, matched by method and RegExp", async () => {
    s.fault({
      kind: "status",
      status: 502,
      method: "POST",
      path: /^\/api\/v4\/posts$/,
      body: "<html>Bad Gateway</html>",
    });
    s.fault({ kind: "status", status: 500, path: "/api/v4/users/me/teams", body: { id: "custom", message: "boom" } });
    expect((await call("GET", "/posts/abcdefghijklmnopqrstuvwxyz")).status).toBe(404);
    const text = await call("POST", "/posts", { json: { channel_id: s.channels.general.id, message: "x" } });
    expect(text).toMatchObject({ status: 502, body: "<html>Bad Gateway</html>" });
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await call("GET", "/users/me/teams")).toMatchObject({
      status: 500,
      body: { id: "custom", message: "boom" },
    });
    expect(s.requests.find((r) => r.method === "POST")).toMatchObject({ status: 502, body: { message: "x" } });
    expect(s.posts.size).toBe(0);
    s.clearFaults();
    expect((await call("GET", "/users/me/teams")).status).toBe(200);
  });

  test("a string body goes out as the fault's Content-Type says: a proxy's HTML page with status 200", async () => {
    s.fault({
      kind: "status",
      status: 200,
      method: "PUT",
      body: "<html><body>Please log in</body></html>",
      headers: { "Content-Type": "text/html; charset=utf-8" },
      times: 1,
    });
    const page = await call("PUT", "/posts/abcdefghijklmnopqrstuvwxyz/patch", { json: { message: "x" } });
    expect(page).toMatchObject({ status: 200, body: "<html><body>Please log in</body></html>" });
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect((await call("PUT", "/posts/abcdefghijklmnopqrstuvwxyz/patch", { json: { message: "x" } })).status).toBe(403);
  });

  test("hold with unread: the upload waits, its body untaken, and is handled whole after release", async () => {
    const size = 4 * 1024 * 1024;
    const held = s.hold("POST", "/api/v4/files", { unread: true });
    const answer = call("POST", "/files", {
      raw: form([
        ["channel_id", s.channels.general.id],
        ["files", new Blob([new Uint8Array(size)]), "big.bin"],
      ]),
    });
    await held.arrived;
    expect(s.requests.at(-1)).toMatchObject({ path: "/api/v4/files", status: 0 });
    held.release();
    const r = await answer;
    expect(r.status).toBe(201);
    expect((r.body as FileUploadResponse).file_infos[0]?.size).toBe(size);
  });

  test("delay answers normally, late", async () => {
    s.fault({ kind: "delay", ms: 150, times: 1 });
    const t0 = performance.now();
    expect((await call("GET", "/users/me")).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    const t1 = performance.now();
    await call("GET", "/users/me");
    expect(performance.now() - t1).toBeLessThan(100);
  });

  test("hang never answers: the client's timeout fires, the request is recorded with status 0", async () => {
    s.fault({ kind: "hang", path: "/api/v4/users/me", times: 1 });
    const t0 = performance.now();
    const err = await fetch(`${s.url}/api/v4/users/me`, {
      headers: { Authorization: `Bearer ${s.token}` },
      signal: AbortSignal.timeout(200),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("TimeoutError");
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]).toMatchObject({ path: "/api/v4/users/me", status: 0 });
  });

  test("a delayed request is still handled after the client gave up, and its body is recorded on arrival", async () => {
    s.fault({ kind: "delay", ms: 300, method: "POST", path: "/api/v4/posts", times: 1 });
    const body = JSON.stringify({ channel_id: s.channels.general.id, message: "slow", pending_post_id: "p-1" });
    const err = await fetch(`${s.url}/api/v4/posts`, {
      method: "POST",
      headers: { Authorization: `Bearer ${s.token}` },
      body,
      signal: AbortSignal.timeout(100),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("TimeoutError");
    await Bun.sleep(20);
    expect(s.requests[0]).toMatchObject({ status: 0, body: { message: "slow", pending_post_id: "p-1" } });
    expect(s.posts.size).toBe(0);
    expect(s.requests[0]!.handledAt).toBeUndefined();
    await waitFor(() => s.requests[0]!.handledAt !== undefined, 2000, "the delayed request handled");
    expect(s.requests[0]!.handledAt! - s.requests[0]!.at).toBeGreaterThanOrEqual(290);
    expect([...s.posts.values()].map((p) => p.message)).toEqual(["slow"]);
    // The client's retry with the same pending_post_id gets that post, not a second one.
    const retry = await call("POST", "/posts", { raw: body });
    expect(retry.status).toBe(201);
    expect(s.posts.size).toBe(1);
  });

  test("hang takes the body (recorded) and never answers", async () => {
    s.fault({ kind: "hang", method: "POST", times: 1 });
    const body = JSON.stringify({ channel_id: s.channels.general.id, message: "lost in the void" });
    const err = await fetch(`${s.url}/api/v4/posts`, {
      method: "POST",
      headers: { Authorization: `Bearer ${s.token}` },
      body,
      signal: AbortSignal.timeout(150),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("TimeoutError");
    expect(s.requests).toEqual([
      expect.objectContaining({
        method: "POST",
        status: 0,
        body: { channel_id: s.channels.general.id, message: "lost in the void" },
      }),
    ]);
    expect(s.posts.size).toBe(0);
  });

  test("reset destroys the connection without an answer", async () => {
    s.fault({ kind: "reset", method: "POST", times: 1 });
    const err = await call("POST", "/posts", { json: { channel_id: s.channels.general.id, message: "lost" } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(s.requests[0]).toMatchObject({ method: "POST", path: "/api/v4/posts", status: 0 });
    expect(s.posts.size).toBe(0);
    expect(
      (await call("POST", "/posts", { json: { channel_id: s.channels.general.id, message: "kept" } })).status,
    ).toBe(201);
  });
  test("bomb: a small compressed answer whose Content-Length is the compressed size", async () => {
    s.fault({ kind: "bomb", encoding: "gzip", decodedBytes: 8 * 1024 * 1024, path: "/api/v4/users/me", times: 1 });
    const res = await fetch(`${s.url}/api/v4/users/me`, {
      headers: { Authorization: `Bearer ${s.token}` },
      decompress: false,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const raw = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get("content-length"))).toBe(raw.length);
    expect(raw.length).toBeLessThan(64 * 1024);
    expect(Bun.gunzipSync(raw).length).toBe(8 * 1024 * 1024);
    expect(s.requests[0]).toMatchObject({ path: "/api/v4/users/me", status: 200 });
  });
});
