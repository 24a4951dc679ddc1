// What a route handler gets, and what it gives back.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { UserProfile } from "@mattermost/types/users";
import type { PrioritySetting } from "./priority.ts";
import type { Store } from "./store.ts";
import type { RecordedRequest } from "./types.ts";

export interface ServerConfig {
  maxFileSize: number;
  version: string;
  buildNumber: string;
  strictMultipartOrder: boolean;
  /** ServiceSettings.EnableIncomingWebhooks. */
  incomingWebhooks: boolean;
  /** PostPriority, and whether the licence allows acks and persistent notifications. */
  postPriority: PrioritySetting;
  /** ServiceSettings.PostEditTimeLimit in seconds; -1 (the default): no limit. */
  postEditTimeLimit: number;
  /** Filled in once the server listens. */
  url: string;
}

export interface Ctx {
  req: IncomingMessage;
  /** Where the body is read from: the request itself, or a copy read ahead during a delay fault. */
  body: Readable;
  res: ServerResponse;
  record: RecordedRequest;
  requestId: string;
  path: string;
  query: URLSearchParams;
  /** Named groups of the matched route. */
  params: Record<string, string>;
  /** The session's user; always set for routes that require a session. */
  user: UserProfile | undefined;
  store: Store;
  config: ServerConfig;
}

export interface Reply {
  status: number;
  body: unknown;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

/** The session user of a route that requires one. */
export function sessionUser(ctx: Ctx): UserProfile {
  if (!ctx.user) throw new Error(`route ${ctx.path} used without a session`);
  return ctx.user;
}

export function param(ctx: Ctx, name: string): string {
  return ctx.params[name] ?? "";
}
