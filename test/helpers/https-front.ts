import { join } from "node:path";

const TLS = join(import.meta.dir, "../fixtures/tls");
export const TEST_CA = join(TLS, "cert.pem");

/**
 * The test server behind HTTPS with the fixture's self-signed certificate, as a site with a
 * CA of its own serves Mattermost: every request is passed on as it came.
 */
export function httpsFront(target: string): { url: string; stop(): void } {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { key: Bun.file(join(TLS, "key.pem")), cert: Bun.file(join(TLS, "cert.pem")) },
    async fetch(request) {
      const url = new URL(request.url);
      const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
      return fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body,
        redirect: "manual",
      });
    },
  });
  return { url: `https://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}
