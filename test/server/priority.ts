// Message priority (post.metadata.priority) as api4/post.go's postPriorityCheck decides it:
// the feature off, a reply, and what needs a Professional licence.
import { AppError } from "./app-error.ts";
import { isObject } from "./body.ts";
import type { ServerConfig } from "./context.ts";

/** model.PostPriority */
export interface Priority {
  priority: string;
  requested_ack?: boolean;
  persistent_notifications?: boolean;
}

/** What a server allows: PostPriority off (`off`), on without a licence, or licensed (acks, persistent notifications). */
export type PrioritySetting = "off" | "unlicensed" | "licensed";

/** The priority a body carries; a malformed one is no priority for this server's purposes. */
export function priorityOf(value: unknown): Priority | undefined {
  if (!isObject(value)) return undefined;
  const priority: Priority = { priority: typeof value.priority === "string" ? value.priority : "" };
  if (typeof value.requested_ack === "boolean") priority.requested_ack = value.requested_ack;
  if (typeof value.persistent_notifications === "boolean")
    priority.persistent_notifications = value.persistent_notifications;
  return priority;
}

export function checkPriority(config: ServerConfig, priority: Priority | undefined, rootId: string): void {
  if (!priority) return;
  if (config.postPriority === "off")
    throw new AppError("api.post.post_priority.priority_post_not_allowed_for_user.request_error", 403);
  if (rootId) throw new AppError("api.post.post_priority.priority_post_only_allowed_for_root_post.request_error", 400);
  const licensed = config.postPriority === "licensed";
  if ((priority.requested_ack || priority.persistent_notifications) && !licensed)
    throw new AppError(
      "license_error.feature_unavailable",
      501,
      {},
      "feature is not available for the current license",
    );
  if (priority.persistent_notifications && priority.priority !== "urgent")
    throw new AppError("api.post.post_priority.urgent_persistent_notification_post.request_error", 400);
}
