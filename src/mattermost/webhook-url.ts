import { ConfigError } from "../base/errors.ts";
import { hasScheme } from "../base/url-text.ts";

/**
 * An incoming webhook's URL, `https://chat.example.org/hooks/KEY`: the key is as secret as a
 * token (whoever has it posts as its owner), so the URL is never shown; `shown` is what may be.
 */
export interface WebhookUrl {
  /** The whole URL, to post to. */
  url: string;
  /** The key, to take out of anything shown. */
  key: string;
  /** The server's root (what comes before `/hooks/`), for what needs no secret. */
  server: string;
  /** The URL with its key left out. */
  shown: string;
}

/** Mattermost routes `/hooks/{id:[A-Za-z0-9]+}` (web/webhook.go), under the site's path. */
const HOOK_PATH = /^(?<prefix>.*)\/hooks\/(?<key>[A-Za-z0-9]+)\/?$/;

/** The webhook a URL names, or undefined when it is a server's address. */
export function webhookOf(raw: string | undefined, source = "the URL"): WebhookUrl | undefined {
  if (!raw?.includes("/hooks/")) return undefined;
  const withScheme = hasScheme(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`invalid incoming webhook URL (from ${source})`, {
      hint: "copy it again from Integrations → Incoming Webhooks: https://chat.example.org/hooks/…",
    });
  }
  const match = HOOK_PATH.exec(url.pathname);
  if (!match?.groups) return undefined;
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password || url.search)
    throw new ConfigError(`invalid incoming webhook URL (from ${source}): http(s)://host/hooks/KEY and nothing more`);
  const { prefix = "", key = "" } = match.groups;
  const server = `${url.origin}${prefix}`;
  return { url: `${server}/hooks/${key}`, key, server, shown: `${server}/hooks/…` };
}

/** Any text with a webhook's key taken out, wherever a server, a proxy or a message echoed it. */
export function withoutHookKeys(text: string): string {
  return text.replace(/\/hooks\/[A-Za-z0-9]{8,}/g, "/hooks/…");
}
