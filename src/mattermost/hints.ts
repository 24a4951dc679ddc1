/** What a user can do about a server error, by status and Mattermost error id. */
export function hintFor(status: number, serverId: string | undefined, retryAfterMs?: number): string | undefined {
  if (status === 401)
    return "check the token in your configuration, or create a new one (Integrations → Bot Accounts) and run `mmn setup`";
  if (status === 403) return "the bot lacks permission here: add it to the channel or team";
  if (status === 413) return "the server refused the size: send a smaller file or a shorter message";
  if (status === 429)
    return retryAfterMs !== undefined && retryAfterMs > 1000
      ? `the server is rate limiting requests and asks to wait ${Math.ceil(retryAfterMs / 1000)} s: try again then, or give more time (--timeout)`
      : "the server is rate limiting requests: try again later";
  if (serverId === "api.context.404.app_error")
    return "the server does not know this API call: is the URL a Mattermost server?";
  if (status >= 500) return "the server failed: try again later or ask its administrator";
  return undefined;
}
