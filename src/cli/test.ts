import { formatBytes } from "../base/bytes.ts";
import { exitCodeOf, type MmnError, UsageError } from "../base/errors.ts";
import { printable } from "../base/printable.ts";
import { jsonFlag } from "./_shared.ts";
import { defineCommand } from "./command.ts";
import { connect } from "./connect.ts";
import { color, print, ui } from "./ui.ts";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const uploadLimit = (maxFileSize: number | undefined) =>
  maxFileSize ? `uploads up to ${formatBytes(maxFileSize)}` : "upload limit not told";

/**
 * A team as its display name and name. A server (or a proxy) may leave the display name out, or
 * send something else in its place: the name alone then.
 */
function teamLabel(team: { name?: unknown; display_name?: unknown }): string {
  const name = printable(String(team.name ?? ""), 80);
  const shown = typeof team.display_name === "string" ? printable(team.display_name, 80) : "";
  return shown ? `${shown} (${name})` : name;
}

export default defineCommand({
  name: "mmn test",
  description:
    "Check the configuration: the server answers, the token works, the team and the default recipient exist. Sends nothing (with an incoming webhook, --post sends a test message).",
  flags: {
    post: {
      type: "boolean",
      description:
        "with an incoming webhook: post a test message, the only way to learn that the hook exists and may post to the default recipient",
    },
    ...jsonFlag,
  },
  examples: `  mmn test
  mmn test --json | jq .version
  MMN_CONFIG=other.rc mmn test`,
  async run({ flags, operands }, ctx) {
    if (operands.length > 0) throw new UsageError(`mmn test takes no arguments, got ${JSON.stringify(operands[0])}`);
    const { notify, config } = await connect(ctx, {}, { retries: 1 });
    if (notify.outbox?.offline) return offlineNode(notify.outbox.store.dir(), flags.json === true);
    if (notify.webhook)
      return (await import("./test-webhook.ts")).testWebhook(notify, config.config, {
        post: flags.post === true,
        json: flags.json === true,
      });
    const { team, user, channel } = config.config;
    const checks: Check[] = [];
    /** The exit code of the first failure: a rejected token is a configuration error (3), like on send. */
    let failure = 0;
    const report: Record<string, unknown> = { url: notify.serverUrl };
    const check = async <T>(
      name: string,
      run: () => Promise<T>,
      describe: (value: T) => string,
    ): Promise<T | undefined> => {
      try {
        const value = await run();
        checks.push({ name, ok: true, detail: describe(value) });
        return value;
      } catch (error) {
        const e = error as MmnError;
        checks.push({ name, ok: false, detail: e.hint ? `${e.message} (${e.hint})` : e.message });
        failure ||= exitCodeOf(error);
        return undefined;
      }
    };
    const reachable = await check(
      "server",
      () => notify.ping().then(() => true),
      () => notify.serverUrl,
    );
    if (reachable) {
      const me = await check(
        "token",
        () => notify.me(),
        (u) => `authenticated as @${u.username}${u.is_bot ? " (bot)" : ""}`,
      );
      const server = await check(
        "version",
        () => notify.serverLimits(),
        (s) => `Mattermost ${s.version ?? "?"}, ${uploadLimit(s.maxFileSize)}`,
      );
      report.user = me ? { id: me.id, username: me.username, is_bot: me.is_bot } : null;
      report.version = server?.version ?? null;
      report.max_file_size = server?.maxFileSize ?? null;
      if (me && team)
        await check(
          "team",
          () => notify.team(team),
          (t) => teamLabel(t),
        );
      if (me && user)
        await check(
          "default user",
          () => notify.checkRecipient({ user }),
          (label) => label,
        );
      if (me && channel && (team || channel.includes("/")))
        await check(
          "default channel",
          () => notify.checkRecipient({ channel }),
          (label) => label,
        );
    }
    const ok = failure === 0;
    if (flags.json === true) {
      print(
        `${JSON.stringify({ ok, ...report, team: team ?? null, default_user: user ?? null, default_channel: channel ?? null, checks })}\n`,
      );
    } else {
      // A failed check is an error: shown with --quiet too.
      for (const c of checks)
        (c.ok ? ui.info : ui.raw)(`${c.ok ? color.green("✔") : color.red("✖")} ${c.name.padEnd(15)} ${c.detail}`);
      if (!user && !channel)
        ui.info(
          `${color.yellow("•")} ${"default".padEnd(15)} none set: name -u or -c on every send, or run \`mmn setup\``,
        );
    }
    return failure;
  },
});

/** delivery=outbox: nothing to check from here, and no time to lose trying. What to do instead. */
function offlineNode(dir: string, json: boolean): number {
  const detail = `this node makes no request (delivery=outbox): messages wait in ${dir} until mmn relay, on a node that reaches the server, delivers them; run mmn test there (README: When the server cannot be reached: the outbox)`;
  if (json) print(`${JSON.stringify({ ok: true, delivery: "outbox", outbox: dir, checks: [] })}\n`);
  else ui.info(`${color.yellow("•")} ${"delivery".padEnd(15)} ${detail}`);
  return 0;
}
