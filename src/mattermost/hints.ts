/** What a user can do about a server error, by status and Mattermost error id. */
export function hintFor(status: number, serverId: string | undefined, retryAfterMs?: number): string | undefined {
  const hook = serverId === undefined ? undefined : WEBHOOK_HINTS[serverId];
  if (hook) return hook;
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

/** An incoming webhook's refusals (app/webhook.go's HandleIncomingWebhook). */
const WEBHOOK_HINTS: Record<string, string> = {
  "web.incoming_webhook.disabled.app_error":
    "incoming webhooks are turned off on this server (System Console → Integrations): ask its administrators, or use a bot's token",
  "web.incoming_webhook.invalid.app_error":
    "the webhook was deleted, or its URL is wrong: make one (Integrations → Incoming Webhooks) and run `mmn setup` again",
  "web.incoming_webhook.channel_locked.app_error":
    "this webhook may post only in its own channel: leave out -u/-c and the default user= or channel=, or unlock it in its settings",
  "web.incoming_webhook.channel.app_error": "no such channel in the webhook's team: check the channel's name",
  "web.incoming_webhook.user.app_error": "no such user: check the user name",
  "web.incoming_webhook.permissions.app_error": "the webhook's owner cannot read that private channel",
};
