import { Client } from "../client/client.ts";
import { clientOptions, diskStores } from "../config/client-options.ts";
import type { MmnConfig } from "../config/config.ts";

import type { NotifyOptions } from "../library/notify-options.ts";
import { type CliContext, cliConfig } from "./context.ts";
import { testBackoff } from "./run-timing.ts";
import { phase } from "./trace.ts";

import { ui } from "./ui.ts";

/** The client as the CLI uses it: hooks and resolved names on disk, shared between nodes. */
export async function connect(ctx: CliContext, overrides: MmnConfig = {}, options: Partial<NotifyOptions> = {}) {
  // Names are read while the configuration is (main starts both): a send to a known name needs both.
  const stores = diskStores(ui.warn, ctx.names());
  const loaded = await cliConfig(ctx, overrides);
  phase("config");
  const client = await clientOptions(loaded, { ...stores, warn: ui.warn, env: ctx.env });

  // Requests made side by side fail alike: tell each wait once.
  let lastRetry = "";
  const notify = new Client({
    ...client,

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
  phase("client");
  return { notify, config: loaded };
}
