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
export async function proxyFor(
  target: string,
  configured: string | undefined,
  env: Record<string, string | undefined> = process.env,
): Promise<string | undefined> {
  const url = new URL(target);
  if (await bypassed(url, env.NO_PROXY ?? env.no_proxy ?? "")) return undefined;
  if (configured) return configured;
  const scheme = url.protocol === "https:" ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  return scheme || env.ALL_PROXY || env.all_proxy || undefined;
}

/**
 * Whether a NO_PROXY list names the URL: `*`; a host, which names its subdomains too
 * (`example.org`, `.example.org`, `*.example.org`), or only its own port with `host:port`
 * (`[::1]:8065`); an IP address, itself only; a CIDR block (`10.0.0.0/8`).
 */
async function bypassed(url: URL, noProxy: string): Promise<boolean> {
  const entries = noProxy
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  if (!entries.length) return false;
  // Loaded only to match a NO_PROXY (a failure told, Node's warning): imported at start, it cost every send ~3 ms of CPU.
  const net = await import("node:net");
  const { isIP } = net;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return entries.some((entry) => {
    if (entry === "*") return true;
    if (entry.includes("/")) return inBlock(net, host, entry);
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

function inBlock({ BlockList, isIP }: typeof import("node:net"), host: string, cidr: string): boolean {
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
