// Public types of the Mattermost-compatible test server.
import type { ServerChannel } from "@mattermost/types/channels";
import type { FileInfo } from "@mattermost/types/files";
import type { Post } from "@mattermost/types/posts";
import type { Team } from "@mattermost/types/teams";
import type { UserProfile } from "@mattermost/types/users";

export interface TestServerOptions {
  /** FileSettings.MaxFileSize in bytes (default 100 MiB); reported as a string by config/client. */
  maxFileSize?: number;
  /** Server version (default "10.5.0"): config/client `Version` and the start of `X-Version-Id`. */
  version?: string;
  /**
   * Off by default. When on: a GCRA token bucket per token (per IP without a token), like the real server's
   * throttled limiter.
   */
  rateLimit?: { perSecond: number; burst: number };
  /** Default 0 (an ephemeral port). */
  port?: number;
  /**
   * Default true: a multipart upload whose first `files` part comes before any `channel_id` field is
   * answered 400. The real server is lenient here (it falls back to buffering the whole form); the
   * strict mode makes sure clients use the streaming order. Set false to accept either order.
   */
  strictMultipartOrder?: boolean;
  /** ServiceSettings.EnableIncomingWebhooks (default true); `settings` changes it later. */
  incomingWebhooks?: boolean;
  /** Message priority: off (default), on without a licence (no acks, no persistent notifications), or licensed. */
  postPriority?: "off" | "unlicensed" | "licensed";
  /** Called once per request when it is finished (answered, destroyed or closed by close()). */
  onRequest?: (request: RecordedRequest) => void;
}

export interface RecordedMultipart {
  fields: Array<{ name: string; value: string }>;
  files: Array<{ field: string; filename: string; size: number; contentType: string }>;
  /** Part names in arrival order. */
  order: string[];
}

export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. "/api/v4/posts". */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; values as received (the Authorization header included). */
  headers: Record<string, string>;
  /** Parsed JSON for JSON bodies, undefined otherwise. */
  body: unknown;
  multipart?: RecordedMultipart;
  /** The status the server answered, 0 if the connection was destroyed (or is still hanging). */
  status: number;
  /** Date.now() when received. */
  at: number;
  /** Date.now() when the server was done with it: answered, or handled after its client gave up (a delay). */
  handledAt?: number;
}

export interface Fault {
  /** Which requests it applies to; default: every request under /api/v4. */
  method?: string;
  path?: string | RegExp;
  kind: "status" | "delay" | "hang" | "reset" | "flood" | "bomb";
  /**
   * For "status": default 500 with a JSON AppError body. A string body is sent as text/plain, or as `headers` say.
   * For "flood": the status of an answer whose body never ends (until the client goes away).
   * For "bomb": the status of a compressed answer (default 200).
   */
  status?: number;
  /**
   * For "bomb": how it is compressed (default "br") and how many bytes it decodes to (default 1 GiB).
   * For "status": the JSON body compressed so, whatever the client asked for.
   */
  encoding?: "br" | "gzip";
  decodedBytes?: number;
  body?: unknown;
  /** For "status": headers to add, e.g. a redirect's Location. */
  headers?: Record<string, string>;
  /**
   * For "delay": wait this long, then handle the request normally, even if the client has given up
   * meanwhile (the body is read ahead during the wait). "hang" takes the body and never answers;
   * both record a JSON body as soon as it has arrived.
   */
  ms?: number;
  /** For "delay": wait for this instead of `ms` (a test releases it), after telling `arrived`. */
  until?: Promise<unknown>;
  arrived?: () => void;
  /** For "delay": leave the body unread during the wait, so that a large upload stalls once the socket's buffers are full. */
  unread?: boolean;
  /** How many matching requests it applies to (default Infinity). */
  times?: number;
}

export interface StoredFile {
  info: FileInfo;
  content: Buffer;
}

export interface TestServer {
  /** "http://127.0.0.1:PORT", no trailing slash. */
  url: string;
  port: number;
  /** The bot's valid token (26 random characters, like a real personal access token). */
  token: string;
  bot: UserProfile;
  team: Team;
  users: { alice: UserProfile; bob: UserProfile };
  channels: { townSquare: ServerChannel; general: ServerChannel; noBot: ServerChannel; secret: ServerChannel };
  requests: RecordedRequest[];
  posts: Map<string, Post>;
  files: Map<string, StoredFile>;
  fault(f: Fault): void;
  /**
   * Holds the next matching request until `release()`: `arrived` resolves when it is in, so a
   * test can act at that point of the client's work without guessing at times.
   */
  hold(method: string, path: string, options?: { unread?: boolean }): { arrived: Promise<void>; release(): void };
  clearFaults(): void;
  /** The pending_post_ids seen are forgotten, as Mattermost's cache of them expires. */
  forgetPendingPosts(): void;
  /** A reaction by a user on a post, as if made in their app (no request recorded). */
  react(userId: string, postId: string, emojiName: string): void;
  /**
   * ServiceSettings.PostEditTimeLimit (seconds, fractions allowed here; -1: none, as after reset()):
   * a post older than that keeps its message (400 api.post.update_post.permissions_time_limit.app_error).
   */
  editTimeLimit(seconds: number): void;
  /** Clears requests, posts, files, faults, DM channels, pending post ids and rate-limit state. */
  reset(): void;
  /** Stops listening and drops open connections; the port stays reserved for accept(). */
  refuse(): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
  /** A new user, member of the team "research". */
  addUser(username: string): UserProfile;
  addChannel(name: string, opts: { type: "O" | "P"; members: string[] }): ServerChannel;
  /** A valid session token for any user (created on first use). */
  tokenFor(userId: string): string;
  /**
   * Another team, with the bot and alice in it. Without a display name the server's answers leave
   * `display_name` out, as a proxy or a trimmed answer may.
   */
  addTeam(name: string, displayName?: string): Team;
  postsIn(channelId: string): Post[];
  dmChannelWith(userId: string): ServerChannel | undefined;
  /** An incoming webhook for the channel, made by `owner` (default alice); `locked`: to that channel only. */
  addWebhook(channel: ServerChannel, options?: { locked?: boolean; owner?: string }): { id: string; url: string };
  /** The hook is gone: its URL answers 400 web.incoming_webhook.invalid.app_error. */
  deleteWebhook(id: string): void;
  /** Switches a test may turn while the server runs. */
  settings: { incomingWebhooks: boolean; postPriority: "off" | "unlicensed" | "licensed" };
}
