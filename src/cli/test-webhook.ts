import { exitCodeOf, type MmnError } from "../base/errors.ts";
import type { Client } from "../client/client.ts";
import { pickRecipient } from "../client/recipient.ts";
import type { MmnConfig } from "../config/config.ts";
import { color, print, ui } from "./ui.ts";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * `mmn test` for an incoming webhook: the server answers, takes webhooks at all (a post
 * without text, which it refuses before it looks the hook up), and with --post, a message to
 * the default recipient, the only way to learn that the hook still exists and may post there
 * (deleted: 400, locked to its channel: 403). The hook's URL is shown without its key.
 */
export async function testWebhook(notify: Client, config: MmnConfig, options: { post: boolean; json: boolean }) {
  const checks: Check[] = [];
  let failure = 0;
  const check = async (name: string, run: () => Promise<string>): Promise<boolean> => {
    try {
      checks.push({ name, ok: true, detail: await run() });
      return true;
    } catch (error) {
      const e = error as MmnError;
      checks.push({ name, ok: false, detail: e.hint ? `${e.message} (${e.hint})` : e.message });
      failure ||= exitCodeOf(error);
      return false;
    }
  };
  const shown = `${notify.serverUrl}/hooks/…`;
  const up = await check("server", () => notify.ping().then(() => notify.serverUrl));
  const enabled = up && (await check("webhooks", () => notify.webhook!.probe().then(() => `taken (${shown})`)));
  const to = pickRecipient({}, config);
  const where = to ? ("user" in to ? `@${to.user}` : `~${to.channel}`) : "the hook's own channel";
  if (enabled && options.post)
    await check("webhook", () =>
      notify.deliver("mmn test: this incoming webhook works", { to }).then(() => `posted to ${where}`),
    );
  if (options.json) {
    print(`${JSON.stringify({ ok: failure === 0, url: shown, webhook: true, checks })}\n`);
    return failure;
  }
  for (const c of checks)
    (c.ok ? ui.info : ui.raw)(`${c.ok ? color.green("✔") : color.red("✖")} ${c.name.padEnd(15)} ${c.detail}`);
  if (enabled && !options.post)
    ui.info(
      `${color.yellow("•")} ${"webhook".padEnd(15)} not posted to: whether it still exists and may post to ${where} shows only in a post (mmn test --post)`,
    );
  return failure;
}
