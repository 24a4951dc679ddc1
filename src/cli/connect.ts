import { Client } from "../client/client.ts";
import { type MmnConfig, requireConnection } from "../config.ts";
import { fetchOptions } from "../fetch-options.ts";
import { DirectoryHookStore, defaultHookDir } from "../hooks.ts";
import { defaultNameCachePath, FileNameCache } from "../names.ts";
import type { NotifyOptions } from "../notify-options.ts";
import { type CliContext, cliConfig } from "./context.ts";
import { testBackoff } from "./run-timing.ts";
import { ui } from "./ui.ts";

/** The client as the CLI uses it: hooks and resolved names on disk, shared between nodes. */
export async function connect(ctx: CliContext, overrides: MmnConfig = {}, options: Partial<NotifyOptions> = {}) {
  const names = new FileNameCache(defaultNameCachePath(), ui.warn);
  // Read while the configuration is: a send to a known name needs both before its one request.
  void names.load();
  const loaded = await cliConfig(ctx, overrides);
  const connection = requireConnection(loaded);
  const fetching = await fetchOptions(loaded.config, connection.url, ui.warn, ctx.env);
  // Requests made side by side fail alike: tell each wait once.
  let lastRetry = "";
  const notify = new Client({
    ...connection,
    ...fetching,
    hooks: new DirectoryHookStore(defaultHookDir()),
    names,
    onRetry: ({ attempt, waitMs, reason }) => {
      if (`${attempt} ${reason}` === lastRetry) return;
      lastRetry = `${attempt} ${reason}`;
      ui.warn(`${reason}; trying again in ${(waitMs / 1000).toFixed(1)} s`);
    },
    onAttempt: ({ request, status, ms }) =>
      ui.debug(`${request.method} ${request.path} → ${status || "no answer"} (${Math.round(ms)} ms)`),
    ...testBackoff(ctx.env),
    ...options,
  });
  return { notify, config: loaded };
}
