import { ConfigError } from "../base/errors.ts";
import { hasScheme, withoutTrailingSlashes } from "../base/url-text.ts";

/** `chat.example.org/` or `https://chat.example.org/api/v4` → `https://chat.example.org`. */
export function normalizeUrl(raw: string, source = "the URL"): string {
  const withScheme = hasScheme(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`invalid server URL ${JSON.stringify(raw)} (from ${source})`, {
      hint: "use the address you open in a browser, like https://chat.example.org",
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`invalid server URL ${JSON.stringify(raw)} (from ${source}): use http:// or https://`);
  }
  // They would be kept in hook files and shown by `mmn test` and `hook list`; the token is the only credential.
  if (url.username || url.password) {
    throw new ConfigError(`the server URL (from ${source}) holds a user name or password`, {
      hint: `leave them out (${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}): mmn signs in with the token`,
    });
  }
  url.search = "";
  url.hash = "";
  // The address bar of a channel or a DM, pasted whole: the server is what comes before the team.
  if (url.pathname !== "/")
    url.pathname = url.pathname.replace(/\/[^/]+\/(channels|messages|pl|threads)\/[^/]+\/?$/, "");
  const root = withoutTrailingSlashes(url.toString());
  return root.endsWith("/api/v4") ? root.slice(0, -"/api/v4".length) : root;
}
