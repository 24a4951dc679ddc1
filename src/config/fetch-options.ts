import { proxyFor, redactCredentials } from "../mattermost/proxy.ts";
import { readCaBundle } from "./ca.ts";
import type { MmnConfig } from "./config.ts";

/**
 * `ca=` and `proxy=` as the client takes them. Under Node, whose fetch has neither and reads
 * no HTTPS_PROXY, a configuration shared with the mmn binary must not stop the library or
 * the npm package's mmn: they are left to NODE_EXTRA_CA_CERTS and the network, with a
 * warning, so that a failure to connect is not a mystery.
 */
export async function fetchOptions(
  config: MmnConfig,
  serverUrl: string | undefined,
  warn: (text: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ ca?: string; proxy?: string }> {
  const { ca, proxy } = config;
  if ("Bun" in globalThis) return { ...(ca ? { ca: await readCaBundle(ca) } : {}), ...(proxy ? { proxy } : {}) };
  if (ca && !env.NODE_EXTRA_CA_CERTS) warn(`ca=${ca} is not used under Node: start it with NODE_EXTRA_CA_CERTS=${ca}`);
  if (proxy) warn(`proxy=${redactCredentials(proxy)} is not used under Node, whose fetch takes no proxy`);
  const fromEnv = proxy || !serverUrl ? undefined : await proxyFor(serverUrl, undefined, env);
  if (fromEnv)
    warn(
      `the environment's proxy ${redactCredentials(fromEnv)} is not used under Node, whose fetch takes no proxy: ` +
        "requests go straight to the server",
    );
  return {};
}
