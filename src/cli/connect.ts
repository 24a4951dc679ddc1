import { ConfigError } from "../base/errors.ts";
import { shortHostName } from "../base/host.ts";
import { Client } from "../client/client.ts";
import { clientOptions, diskStores } from "../config/client-options.ts";
import type { MmnConfig } from "../config/config.ts";
import type { NotifyOptions } from "../library/notify-options.ts";
import { defaultOutboxDir, Outbox } from "../outbox/store.ts";
import { type CliContext, cliConfig } from "./context.ts";
import { testBackoff } from "./run-timing.ts";
import { phase } from "./trace.ts";
import { ui } from "./ui.ts";

/** The client as the CLI uses it: hooks and resolved names on disk, shared between nodes. */
export async function connect(
  ctx: CliContext,
  overrides: MmnConfig = {},
  options: Partial<NotifyOptions> = {},
  how: {
    /** What the network fails to deliver is kept in the outbox (`mmn run`), not only with delivery=outbox. */
    keep?: boolean;
  } = {},
) {
  // Names are read while the configuration is (main starts both): a send to a known name needs both.
  const stores = diskStores(ui.warn, ctx.names());
  const loaded = await cliConfig(ctx, overrides);
  phase("config");
  const client = await clientOptions(loaded, { ...stores, warn: ui.warn, env: ctx.env });

  // Requests made side by side fail alike: tell each wait once.
  let lastRetry = "";
  const notify = new Client(
    {
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
    },
    await delivery(ctx, loaded.config, how.keep === true),
  );
  phase("client");
  return { notify, config: loaded };
}

/**
 * The outbox a client keeps what it cannot deliver in: always with delivery=outbox, else when
 * asked. Every client has it: a message kept there (a hook naming a post not made yet) is
 * followed, or found where mmn relay made it. A client that keeps nothing finds it only when
 * a parcel may need it (an edit, a reply): a new post goes straight.
 */
async function delivery(ctx: CliContext, config: MmnConfig, keep: boolean) {
  const offline = deliveryOf(config) === "outbox";
  const outbox = offline || keep ? await outboxOf(ctx) : () => outboxOf(ctx);
  return { outbox, offline, keep: keep || offline };
}

/** This host's outbox, on the shared home. */
async function outboxOf(ctx: CliContext): Promise<Outbox> {
  return new Outbox(defaultOutboxDir(ctx.env), await shortHostName(), undefined, ui.warn);
}

/** `delivery=`: `direct` (the default) or `outbox`. */
export function deliveryOf(config: MmnConfig): "direct" | "outbox" {
  const value = config.delivery?.trim().toLowerCase() || "direct";
  if (value !== "direct" && value !== "outbox")
    throw new ConfigError(`delivery=${JSON.stringify(config.delivery)} is neither direct nor outbox`, {
      hint: "delivery=outbox on nodes without a route to the server, where mmn relay delivers for them",
    });
  return value;
}
