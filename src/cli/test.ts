import type { MmnError } from "../errors.ts";
import * as rest from "../mattermost/endpoints.ts";
import { command, contextOf, jsonArg } from "./_shared.ts";
import { parseFlags } from "./argv.ts";
import { connect } from "./connect.ts";
import { color, print, ui } from "./ui.ts";

const args = { ...jsonArg } as const;

export const examples = `  mmn test
  mmn test --json | jq .version
  MMN_CONFIG=other.rc mmn test`;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export default command({
  meta: { name: "mmn test", description: "Check the configuration: the server answers, the token works, the team and the default recipient exist. Sends nothing." },
  args,
  async run({ rawArgs, data }) {
    const ctx = contextOf(data);
    const { values } = parseFlags(rawArgs, args);
    const { notify, config } = await connect(ctx, {}, { retries: 1 });
    const { team, user, channel } = config.config;
    const checks: Check[] = [];
    const report: Record<string, unknown> = { url: notify.api.serverUrl };
    const check = async <T>(name: string, run: () => Promise<T>, describe: (value: T) => string): Promise<T | undefined> => {
      try {
        const value = await run();
        checks.push({ name, ok: true, detail: describe(value) });
        return value;
      } catch (error) {
        const e = error as MmnError;
        checks.push({ name, ok: false, detail: e.hint ? `${e.message} (${e.hint})` : e.message });
        return undefined;
      }
    };
    const reachable = await check("server", () => rest.ping(notify.api), () => notify.api.serverUrl);
    if (reachable) {
      const me = await check("token", () => notify.me(), (u) => `authenticated as @${u.username}${u.is_bot ? " (bot)" : ""}`);
      const server = await check("version", () => rest.getClientConfig(notify.api), (c) => `Mattermost ${c.Version ?? "?"}, uploads up to ${Math.round(Number(c.MaxFileSize ?? 0) / 1048576)} MiB`);
      report.user = me ? { id: me.id, username: me.username, is_bot: me.is_bot } : null;
      report.version = server?.Version ?? null;
      report.max_file_size = server?.MaxFileSize ? Number(server.MaxFileSize) : null;
      if (me && team) await check("team", () => rest.getTeamByName(notify.api, team), (t) => `${t.display_name} (${t.name})`);
      if (me && user) await check("default user", () => rest.getUserByUsername(notify.api, user.replace(/^@/, "")), (u) => `@${u.username}`);
      if (me && channel && team) await check("default channel", () => rest.getChannelByName(notify.api, team, channel.replace(/^~/, "")), (c) => `~${c.name}`);
    }
    const ok = checks.every((c) => c.ok);
    if (values.json === true) {
      print(`${JSON.stringify({ ok, ...report, team: team ?? null, default_user: user ?? null, default_channel: channel ?? null, checks })}\n`);
    } else {
      for (const c of checks) ui.info(`${c.ok ? color.green("✔") : color.red("✖")} ${c.name.padEnd(15)} ${c.detail}`);
      if (!user && !channel) ui.info(`${color.yellow("•")} ${"default".padEnd(15)} none set: name -u or -c on every send, or run \`mmn setup\``);
    }
    return ok ? 0 : 1;
  },
});
