import { expect, test } from "bun:test";
import { ConfigError } from "../../src/base/errors.ts";
import { checkProxy, proxyFor, redactCredentials } from "../../src/mattermost/proxy.ts";

test("the proxy a request goes through: configured, else by scheme, else ALL_PROXY, unless NO_PROXY", async () => {
  const env = { HTTPS_PROXY: "http://secure:3128", http_proxy: "http://plain:3128", ALL_PROXY: "http://all:1080" };
  expect(await proxyFor("https://chat.example.org", "http://mine:8080", env)).toBe("http://mine:8080");
  expect(await proxyFor("https://chat.example.org", "http://mine:8080", { NO_PROXY: "example.org" })).toBeUndefined();
  expect(await proxyFor("https://chat.example.org", undefined, env)).toBe("http://secure:3128");
  expect(await proxyFor("http://chat.example.org", undefined, env)).toBe("http://plain:3128");
  expect(await proxyFor("http://chat.example.org", undefined, { ALL_PROXY: "http://all:1080" })).toBe(
    "http://all:1080",
  );
  for (const noProxy of ["example.org", ".example.org", "chat.example.org", "*", "other, example.org"]) {
    expect(await proxyFor("https://chat.example.org", undefined, { ...env, NO_PROXY: noProxy })).toBeUndefined();
  }
  expect(await proxyFor("https://chat.example.org", undefined, { ...env, NO_PROXY: "ample.org" })).toBe(
    "http://secure:3128",
  );
  expect(await proxyFor("https://chat.example.org", undefined, {})).toBeUndefined();
});

test("NO_PROXY as Bun reads it: ports, IPv6, CIDR blocks; an IP address names only itself", async () => {
  const env = { HTTPS_PROXY: "http://p:3128", HTTP_PROXY: "http://p:3128" };
  const via = (target: string, noProxy: string) => proxyFor(target, undefined, { ...env, NO_PROXY: noProxy });
  for (const [target, noProxy] of [
    ["http://127.0.0.1:8065", "127.0.0.1:8065"],
    ["https://chat.example.org", "chat.example.org:443"],
    ["http://chat.example.org", "example.org:80"],
    ["https://chat.example.org:8443", "other:1, *.example.org:8443"],
    ["http://[::1]:8065", "[::1]:8065"],
    ["http://[::1]:8065", "::1"],
    ["http://10.1.2.3:8065", "10.0.0.0/8"],
    ["http://[fd00::5]", "fd00::/8"],
    ["https://CHAT.example.org", "Example.ORG"],
  ])
    expect([target, noProxy, await via(target!, noProxy!)]).toEqual([target, noProxy, undefined]);
  for (const [target, noProxy] of [
    ["http://127.0.0.1:8065", "127.0.0.1:9"],
    ["https://chat.example.org", "chat.example.org:8443"],
    ["http://127.0.0.1:8065", ".0.0.1"],
    ["http://10.1.2.3", "11.0.0.0/8"],
    ["http://10.1.2.3", "10.0.0.0/x"],
    ["http://chat.example.org", "10.0.0.0/8"],
  ])
    expect([target, noProxy, await via(target!, noProxy!)]).toEqual([target, noProxy, "http://p:3128"]);
});

test("a proxy must be an http(s) URL; its credentials are never shown", () => {
  expect(checkProxy("http://proxy.site:3128")).toBe("http://proxy.site:3128");
  for (const bad of ["not a url", "proxy.site:3128", "socks5://proxy:1080"])
    expect(() => checkProxy(bad)).toThrow(ConfigError);
  expect(() => checkProxy("ftp://u:secret@p")).toThrow(/"ftp:\/\/p"/);
  expect(redactCredentials("http://user:secret@proxy:3128")).toBe("http://proxy:3128");
});
