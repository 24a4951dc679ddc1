import type { Api, Deadline } from "./api.ts";
import type { PostPriority } from "./endpoints.ts";

/** What an incoming webhook takes (model.IncomingWebhookRequest), as mmn sends it. */
export interface WebhookPayload {
  text: string;
  /** A channel of the hook's team by name, or `@user` (a direct message from the hook's owner). */
  channel?: string;
  props?: Record<string, unknown>;
  priority?: PostPriority;
}

/**
 * A post through the configured incoming webhook. The server answers "ok" and nothing more: no
 * post, no id, so nothing to edit or reply to. No deduplication either: a try that may have
 * arrived is not repeated.
 */
export async function postToWebhook(api: Api, payload: WebhookPayload, deadline?: Deadline): Promise<void> {
  await api.request<unknown>("POST", "/hooks/…", { body: payload, hook: true, idempotent: false, deadline });
}
