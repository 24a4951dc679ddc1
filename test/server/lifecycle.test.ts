// The test server's own behaviour, through plain fetch. Recording, reset, the lifecycle and the entry points.
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { anyId, useTestServer } from "./fetching.ts";
import { startTestServer } from "./index.ts";

const { server: s, call, upload, post } = useTestServer();

describe("recording, reset and lifecycle", () => {
  test("requests are recorded with headers, query and parsed JSON body", async () => {
    await call("POST", "/channels/direct?x=1", { json: [s.bot.id, s.users.bob.id], headers: { "X-Custom": "yes" } });
    expect(s.requests).toEqual([
      {
        method: "POST",
        path: "/api/v4/channels/direct",
        query: { x: "1" },
        headers: expect.objectContaining({
          authorization: `Bearer ${s.token}`,
          "x-custom": "yes",
          "content-type": "application/json",
        }),
        body: [s.bot.id, s.users.bob.id],
        status: 201,
        at: expect.any(Number),
        handledAt: expect.any(Number),
      },
    ]);
  });

  test("reset() clears requests, posts, files, faults and DMs, and keeps the fixtures", async () => {
    const f = await upload("x");
    await post("x", { file_ids: [f] });
    await call("POST", "/channels/direct", { json: [s.bot.id, s.users.bob.id] });
    s.fault({ kind: "status", status: 500, path: "/api/v4/nowhere" });
    s.reset();
    expect([s.requests.length, s.posts.size, s.files.size]).toEqual([0, 0, 0]);
    expect(s.dmChannelWith(s.users.bob.id)).toBeUndefined();
    expect((await call("GET", "/nowhere")).status).toBe(404);
    expect(await call("GET", "/teams/name/research/channels/name/general")).toMatchObject({
      status: 200,
      body: { id: s.channels.general.id },
    });
    expect((await call("GET", "/users/me")).status).toBe(200);
  });

  test("refuse() refuses connections on the same port until accept()", async () => {
    const other = await startTestServer();
    try {
      expect((await call("GET", "/system/ping", { server: other })).status).toBe(200);
      await other.refuse();
      const err = await call("GET", "/system/ping", { server: other }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as { code?: string }).code).toBe("ECONNREFUSED");
      await other.accept();
      expect((await call("GET", "/system/ping", { server: other })).status).toBe(200);
      expect(other.url).toBe(`http://127.0.0.1:${other.port}`);
    } finally {
      await other.close();
    }
  });

  test("close() does not wait for a hanging request", async () => {
    const other = await startTestServer();
    other.fault({ kind: "hang" });
    const pending = call("GET", "/users/me", { server: other }).catch((e: unknown) => e);
    await Bun.sleep(50);
    const t0 = performance.now();
    await other.close();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
    expect(other.requests).toEqual([expect.objectContaining({ path: "/api/v4/users/me", status: 0 })]);
  });
});

describe("entry points", () => {
  test("main.ts prints the URL and token as one JSON line, logs requests on stderr, stops on SIGTERM", async () => {
    const proc = Bun.spawn(["bun", join(import.meta.dir, "main.ts"), "--port", "0"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    const info = JSON.parse(out.trim()) as { url: string; token: string; bot: string; team: string };
    // Not toMatchObject: with asymmetric matchers Bun 1.4.5 writes the matchers into the received object.
    expect(info).toEqual(
      expect.objectContaining({
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        token: anyId,
        bot: "notify-bot",
        team: "research",
      }),
    );
    const me = await fetch(`${info.url}/api/v4/users/me`, { headers: { Authorization: `Bearer ${info.token}` } });
    expect(me.status).toBe(200);
    await me.text();
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(await new Response(proc.stderr).text()).toMatch(/ GET \/api\/v4\/users\/me -> 200\n/);
  });

  test.skipIf(!Bun.which("node"))("the server runs under Node too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mmn-testserver-"));
    try {
      const built = await Bun.build({
        entrypoints: [join(import.meta.dir, "index.ts")],
        target: "node",
        format: "esm",
        outdir: dir,
        naming: "server.mjs",
      });
      expect(built.success).toBe(true);
      await writeFile(
        join(dir, "run.mjs"),
        `import { startTestServer } from "./server.mjs";
const s = await startTestServer();
const h = { Authorization: "Bearer " + s.token };
const fd = new FormData();
fd.append("channel_id", s.channels.general.id);
fd.append("files", new Blob(["node bytes"]), "n.txt");
const up = await fetch(s.url + "/api/v4/files", { method: "POST", headers: h, body: fd });
const file = (await up.json()).file_infos[0];
s.fault({ kind: "hang" });
const hung = fetch(s.url + "/api/v4/users/me", { headers: h }).then((r) => r.status, () => "closed");
await new Promise((r) => setTimeout(r, 50));
await s.close();
console.log(JSON.stringify([up.status, file.size, s.files.get(file.id).content.toString(), await hung]));
`,
      );
      const proc = Bun.spawn(["node", join(dir, "run.mjs")], { stdout: "pipe", stderr: "pipe" });
      const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual([201, 10, "node bytes", "closed"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
