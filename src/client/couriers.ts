import { ConfigError } from "../base/errors.ts";
import type { Api } from "../mattermost/api.ts";
import { OutboxDelivery } from "../outbox/delivery.ts";
import type { Outbox } from "../outbox/store.ts";
import { type Courier, DirectCourier } from "./courier.ts";
import type { Targets } from "./targets.ts";
import { WebhookCourier } from "./webhook-courier.ts";

/** How a client delivers: `offline` (delivery=outbox) tries nothing and keeps all in `outbox`. */
export interface DeliveryChoice {
  outbox?: Outbox | undefined;
  offline?: boolean;
  keep?: boolean;
}

/**
 * The courier a client's posts go through: an incoming webhook's when one is configured, else
 * the direct one, behind the outbox when the client has one.
 */
export function chooseCourier(
  api: Api,
  targets: Targets,
  maxRunes: number,
  webhook: string | undefined,
  delivery: DeliveryChoice,
): { courier: Courier; hook: WebhookCourier | undefined; outbox: OutboxDelivery | undefined } {
  const { outbox, offline = false, keep = true } = delivery;
  if (webhook) {
    // A webhook's post cannot be looked up or edited later: what the outbox promises needs a token.
    if (offline) throw new ConfigError("delivery=outbox needs a bot's token: a webhook's posts cannot be followed up");
    const hook = new WebhookCourier(api, maxRunes);
    return { courier: hook, hook, outbox: undefined };
  }
  const direct = new DirectCourier(api, targets, maxRunes);
  const kept = outbox && new OutboxDelivery(direct, outbox, { server: api.serverUrl, offline, keep });
  return { courier: kept?.courier ?? direct, hook: undefined, outbox: kept };
}
