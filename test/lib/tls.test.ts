import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, NetworkError, Notify, wakeup } from "../../src/index.ts";
import { mmn, sandbox } from "../helpers/cli.ts";
import { httpsFront, TEST_CA } from "../helpers/https-front.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

const TLS = join(import.meta.dir, "../fixtures/tls");
let hits = 0;
let server: ReturnType<typeof Bun.serve>;
let url: string;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { key: Bun.file(join(TLS, "key.pem")), cert: Bun.file(join(TLS, "cert.pem")) },
    fetch() {
      hits++;
      return Response.json({ id: "u".repeat(26), username: "notify-bot", is_bot: true });
    },
  });
  url = `https://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

test("a self-signed server: one attempt, and the error says what to configure", async () => {
  hits = 0;
  let retries = 0;
  const notify = new Notify({ url, token: "tok-abcdefgh", onRetry: () => retries++ });
  const error = (await notify.me().catch((e: unknown) => e)) as NetworkError;
  expect(retries).toBe(0);
  expect(error).toBeInstanceOf(NetworkError);
  expect(error.message).toMatch(/^could not reach 127\.0\.0\.1:\d+: its certificate is not trusted \([A-Z_]+\)$/);
  expect(error.hint).toBe("give the CA bundle that signed it (PEM) as ca= in the configuration or MMN_CA");
  expect(hits).toBe(0);
});

test("wakeup() reads the ca= file of the configuration, as the CLI does", async () => {
  const notify = await wakeup({
    config: {
      overrides: { url, token: "tok-abcdefgh", ca: join(TLS, "cert.pem") },
      env: {},
      home: "/nonexistent",
      cwd: "/nonexistent",
    },
  });
  expect((await notify.me()).username).toBe("notify-bot");
});

test("trusted with its CA as ca", async () => {
  const ca = await Bun.file(join(TLS, "cert.pem")).text();
  expect((await new Notify({ url, token: "tok-abcdefgh", ca }).me()).username).toBe("notify-bot");
});

test("the CLI: ca= that is not PEM is a configuration error (exit 3), one that is works", async () => {
  const box = sandbox();
  const env = {
    MMN_URL: url,
    MMN_TOKEN: "tok-abcdefgh",
    MMN_CA: box.write("ca.der", new Uint8Array([0x30, 0x82, 0x01])),
  };
  const bad = await mmn(box, ["test"], { env });
  expect(bad.code).toBe(3);
  expect(bad.stderr).toBe(
    `error: the CA bundle ${env.MMN_CA} holds no PEM certificate (-----BEGIN CERTIFICATE-----)\nhint: a DER file converts with: openssl x509 -inform der -in ${env.MMN_CA} -out ca.pem\n`,
  );
  const good = await mmn(box, ["test"], { env: { ...env, MMN_CA: join(TLS, "cert.pem") } });
  expect(good.stderr).toContain("✔ token           authenticated as @notify-bot (bot)");
});

describe("an address without a scheme is https://, and the server answers plain HTTP", () => {
  let plain: TestServer;
  beforeAll(async () => {
    plain = await startTestServer();
  });
  afterAll(() => plain.close());

  test("the library: one ConfigError line that says what to write, and no repeat", async () => {
    const host = `127.0.0.1:${plain.port}`;
    let attempts = 0;
    const notify = new Notify({ url: host, token: plain.token, onAttempt: () => attempts++ });
    const error = await notify.sendToUser("hi", "alice").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect({ message: (error as ConfigError).message, hint: (error as ConfigError).hint, attempts }).toEqual({
      message: `the TLS handshake with ${host} failed: does the server speak https on this port?`,
      hint: `if it serves plain HTTP, set the URL to http://${host} (an address without http:// or https:// means https://)`,
      attempts: 1,
    });
    expect(plain.requests).toEqual([]);
  });

  test("the CLI says the same: exit 3, an error line and a hint", async () => {
    const box = sandbox();
    const host = `127.0.0.1:${plain.port}`;
    const r = await mmn(box, ["send", "hi", "-u", "alice"], { env: { MMN_URL: host, MMN_TOKEN: plain.token } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 3,
      stderr: `error: the TLS handshake with ${host} failed: does the server speak https on this port?\nhint: if it serves plain HTTP, set the URL to http://${host} (an address without http:// or https:// means https://)\n`,
    });
  });
});

describe("mmn setup at a site with its own CA", () => {
  let server: TestServer;
  let front: { url: string; stop(): void };
  beforeAll(async () => {
    server = await startTestServer();
    front = httpsFront(server.url);
  });
  afterAll(() => {
    front.stop();
    return server.close();
  });

  test("MMN_CA is trusted by setup, as by send", async () => {
    const box = sandbox();
    box.secrets.push(server.token);
    const r = await mmn(box, ["setup", "--url", front.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: server.token,
      env: { MMN_CA: TEST_CA },
    });
    expect(r.stderr).not.toContain("not trusted");
    expect(r.code).toBe(0);
    expect((await mmn(box, ["send", "through our CA"], { env: { MMN_CA: TEST_CA } })).code).toBe(0);
    expect(server.postsIn(server.dmChannelWith(server.users.alice.id)!.id).map((p) => p.message)).toEqual([
      "through our CA",
    ]);
  });

  test("ca= of the configuration being rewritten is trusted, and kept", async () => {
    const box = sandbox();
    box.secrets.push(server.token);
    writeFileSync(join(box.home, ".mmnrc"), `ca=${TEST_CA}\n`, { mode: 0o600 });
    const r = await mmn(box, ["setup", "--url", front.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: server.token,
    });
    expect(r.code).toBe(0);
    expect(readFileSync(join(box.home, ".mmnrc"), "utf8")).toContain(`ca=${TEST_CA}\n`);
  });
});
