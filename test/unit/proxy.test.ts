import { expect, test } from "bun:test";
import { ConfigError } from "../../src/errors.ts";
import { checkProxy, proxyFor, redactCredentials } from "../../src/mattermost/proxy.ts";

test("the proxy a request goes through: configured, else by scheme, else ALL_PROXY, unless NO_PROXY", () => {
  const env = { HTTPS_PROXY: "http://secure:3128", http_proxy: "http://plain:3128", ALL_PROXY: "http://all:1080" };
  expect(proxyFor("https://chat.example.org", "http://mine:8080", env)).toBe("http://mine:8080");
  expect(proxyFor("https://chat.example.org", undefined, env)).toBe("http://secure:3128");
  expect(proxyFor("http://chat.example.org", undefined, env)).toBe("http://plain:3128");
  expect(proxyFor("http://chat.example.org", undefined, { ALL_PROXY: "http://all:1080" })).toBe("http://all:1080");
  for (const noProxy of ["example.org", ".example.org", "chat.example.org", "*", "other, example.org"]) {
    expect(proxyFor("https://chat.example.org", undefined, { ...env, NO_PROXY: noProxy })).toBeUndefined();
  }
  expect(proxyFor("https://chat.example.org", undefined, { ...env, NO_PROXY: "ample.org" })).toBe("http://secure:3128");
  expect(proxyFor("https://chat.example.org", undefined, {})).toBeUndefined();
});

test("a proxy must be an http(s) URL; its credentials are never shown", () => {
  expect(checkProxy("http://proxy.site:3128")).toBe("http://proxy.site:3128");
  for (const bad of ["not a url", "proxy.site:3128", "socks5://proxy:1080"])
    expect(() => checkProxy(bad)).toThrow(ConfigError);
  expect(() => checkProxy("ftp://u:secret@p")).toThrow(/"ftp:\/\/p"/);
  expect(redactCredentials("http://user:secret@proxy:3128")).toBe("http://proxy:3128");
});
