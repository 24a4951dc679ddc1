import { Client } from "../client/client.ts";
import { pickRecipient } from "../client/recipient.ts";
import type { MmnConfig } from "../config/config.ts";
import { writeConfigFile } from "../config/config-write.ts";
import type { NotifyOptions } from "../library/notify-options.ts";
import type { WebhookUrl } from "../mattermost/webhook-url.ts";
import { Cancelled, confirm } from "./prompt.ts";
import { ownValues } from "./setup-steps.ts";
import { ui } from "./ui.ts";

/**
 * `mmn setup` with an incoming webhook's URL instead of a server and a token: the server answers
 * and takes webhooks (nothing is posted), and url= is written with the hook (0600, as a token
 * is), without a token. Whether the hook still exists and may post to the default recipient is
 * learnt only by a post: `mmn test --post`. The URL is shown without its key.
 */
export async function setupWebhook(options: {
  hook: WebhookUrl;
  transport: Partial<NotifyOptions>;
  path: string;
  recipient: { user?: string; channel?: string } | undefined;
  interactive: boolean;
}): Promise<number> {
  const { hook, path, recipient, interactive } = options;
  const notify = new Client({ ...options.transport, url: hook.server, token: "", webhook: hook.url });
  await notify.ping();
  ui.success(`${hook.server} answers`);
  await notify.webhook!.probe();
  ui.success(`it takes incoming webhooks (${hook.shown}); a webhook only posts: no edits, files or replies`);
  const config: MmnConfig = { ...(await ownValues(path)), url: hook.url };
  // A token beside a webhook would never be used, and would wait there to be leaked.
  delete config.token;
  const to = recipient && pickRecipient(recipient);
  if (to) {
    delete config.user;
    delete config.channel;
    Object.assign(config, to);
  }
  const where = to ? ("user" in to ? `@${to.user}` : `~${to.channel}`) : "the hook's own channel";
  if (interactive && !(await confirm(`Write the configuration to ${path}?`))) throw new Cancelled();
  await writeConfigFile(path, config);
  ui.success(`configuration written to ${path} (mode 0600): posts go to ${where}`);
  ui.info(`next: mmn test --post (whether the hook exists and may post to ${where} shows only in a post)`);
  return 0;
}
