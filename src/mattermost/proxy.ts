import { BlockList, isIP } from "node:net";
import { ConfigError } from "../base/errors.ts";

/** A proxy URL as fetch takes it, or a ConfigError that names where it came from. */
export function checkProxy(proxy: string): string {
  let url: URL | undefined;
  try {
    url = new URL(proxy);
  } catch {
    url = undefined;
  }
  if (!url || !/^(http|https):$/.test(url.protocol) || !url.hostname) {
    throw new ConfigError(`invalid proxy ${JSON.stringify(redactCredentials(proxy))}: expected http://HOST:PORT`);
  }
  return proxy;
}

/**
 * The proxy a request to `target` goes through: none when NO_PROXY names it (Bun checks
 * NO_PROXY even for a proxy given to fetch), else the configured one, else the one Bun takes
 * from the environment (HTTPS_PROXY for https, HTTP_PROXY for http, ALL_PROXY). Only to say
 * so when it fails: Bun does the routing, and this matches NO_PROXY as Bun 1.4 does.
 */
export function proxyFor(
  target: string,
  configured: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const url = new URL(target);
  if (bypassed(url, env.NO_PROXY ?? env.no_proxy ?? "")) return undefined;
  if (configured) return configured;
  const scheme = url.protocol === "https:" ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  return scheme || env.ALL_PROXY || env.all_proxy || undefined;
}

/**
 * Whether a NO_PROXY list names the URL: `*`; a host, which names its subdomains too
 * (`example.org`, `.example.org`, `*.example.org`), or only its own port with `host:port`
 * (`[::1]:8065`); an IP address, itself only; a CIDR block (`10.0.0.0/8`).
 */
function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return noProxy
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => {
      if (entry === "*") return true;
      if (entry.includes("/")) return inBlock(host, entry);
      const [name, entryPort] = splitPort(entry);
      if (entryPort !== undefined && entryPort !== port) return false;
      const bare = name.replace(/^\*?\./, "");
      return host === bare || (!isIP(host) && !isIP(bare) && host.endsWith(`.${bare}`));
    });
}

/** `host:port`, `[v6]:port`, or a host alone (a bare IPv6 address has colons but no port). */
function splitPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1] ?? "", bracketed[2]];
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  return withPort ? [withPort[1] ?? "", withPort[2]] : [entry, undefined];
}

function inBlock(host: string, cidr: string): boolean {
  const [base = "", bits = ""] = cidr.split("/");
  const family = isIP(base);
  if (!family || isIP(host) !== family || !/^\d+$/.test(bits)) return false;
  try {
    const block = new BlockList();
    block.addSubnet(base, Number(bits), family === 4 ? "ipv4" : "ipv6");
    return block.check(host, family === 4 ? "ipv4" : "ipv6");
  } catch {
    return false;
  }
}

/** A proxy URL fit to show: its user and password (proxy credentials) left out. */
export function redactCredentials(proxy: string): string {
  return proxy.replace(/\/\/[^/@]*@/, "//");
}
