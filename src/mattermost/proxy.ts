import { ConfigError } from "../errors.ts";

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
 * The proxy a request to `target` goes through: the configured one, else the one Bun takes
 * from the environment (HTTPS_PROXY for https, HTTP_PROXY for http, ALL_PROXY), unless
 * NO_PROXY names the host. Only to say so when it fails: Bun does the routing.
 */
export function proxyFor(
  target: string,
  configured: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (configured) return configured;
  const url = new URL(target);
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "")
    .split(",")
    .map((entry) => entry.trim().replace(/^\*?\./, ""))
    .filter(Boolean);
  if (noProxy.some((entry) => entry === "*" || url.hostname === entry || url.hostname.endsWith(`.${entry}`)))
    return undefined;
  const scheme = url.protocol === "https:" ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  return scheme || env.ALL_PROXY || env.all_proxy || undefined;
}

/** A proxy URL fit to show: its user and password (proxy credentials) left out. */
export function redactCredentials(proxy: string): string {
  return proxy.replace(/\/\/[^/@]*@/, "//");
}
