import type { Channel, ChannelMembership } from "@mattermost/types/channels";
import type { FileUploadResponse } from "@mattermost/types/files";
import type { Post } from "@mattermost/types/posts";
import type { Reaction } from "@mattermost/types/reactions";
import type { Team } from "@mattermost/types/teams";
import type { UserProfile } from "@mattermost/types/users";
import type { Api, Deadline } from "./api.ts";
import { multipartUpload, type UploadFile } from "./multipart.ts";
import { CHANNEL, OBJECT, POST, REACTIONS, TEAM, TEAMS, USER, uploadOf } from "./shapes.ts";

/** The fields of `POST posts` we send. */
export interface NewPost {
  channel_id: string;
  message: string;
  root_id?: string;
  file_ids?: string[];
  props?: Record<string, unknown>;
  /** The server's deduplication key (at most 64 characters); a new one per call when absent. */
  pending_post_id?: string;
  /** Message priority: root posts only, where the server allows it (see `mattermost/priority.ts`). */
  metadata?: { priority: PostPriority };
}

/** `metadata.priority` of a post (model.PostPriority). */
export interface PostPriority {
  priority: "urgent" | "important";
  requested_ack?: boolean;
  persistent_notifications?: boolean;
}

export interface PostPatch {
  message?: string;
  props?: Record<string, unknown>;
}

/** `config/client?format=old`: every value is a string. */
export interface ClientConfigOld {
  Version?: string;
  BuildNumber?: string;
  SiteName?: string;
  MaxFileSize?: string;
  [key: string]: string | undefined;
}

const seg = encodeURIComponent;
/** Bytes per second we assume an upload gets at least, to size its timeout. */
const MIN_UPLOAD_RATE = 512 * 1024;

export const getMe = (api: Api, deadline?: Deadline) =>
  api.request<UserProfile>("GET", "/users/me", { shape: USER, deadline });

export const getMyTeams = (api: Api, deadline?: Deadline) =>
  api.request<Team[]>("GET", "/users/me/teams", { shape: TEAMS, deadline });

export const getUserByUsername = (api: Api, username: string, deadline?: Deadline) =>
  api.request<UserProfile>("GET", `/users/username/${seg(username)}`, { shape: USER, deadline });

export const getTeamByName = (api: Api, name: string, deadline?: Deadline) =>
  api.request<Team>("GET", `/teams/name/${seg(name)}`, { shape: TEAM, deadline });

export const getChannelByName = (api: Api, team: string, channel: string, deadline?: Deadline) =>
  api.request<Channel>("GET", `/teams/name/${seg(team)}/channels/name/${seg(channel)}`, { shape: CHANNEL, deadline });

/** The token's user's membership: 404 when it is not a member, so it could not post there. */
export const getMyChannelMember = (api: Api, channelId: string, deadline?: Deadline) =>
  api.request<ChannelMembership>("GET", `/channels/${seg(channelId)}/members/me`, { shape: OBJECT, deadline });

/** Returns the existing channel when there is one, so repeating it is harmless. */
export const createDirectChannel = (api: Api, userIds: [string, string], deadline?: Deadline) =>
  api.request<Channel>("POST", "/channels/direct", { body: userIds, idempotent: true, shape: CHANNEL, deadline });

/** A repeat may leave an unattached file on the server, which nobody sees: harmless. */
export function uploadFiles(api: Api, channelId: string, files: readonly UploadFile[], deadline?: Deadline) {
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  return api.request<FileUploadResponse>("POST", "/files", {
    bodyFactory: () => multipartUpload(channelId, files),
    idempotent: true,
    forFiles: true,
    shape: uploadOf(files.length),
    timeoutMs: 30_000 + (bytes / MIN_UPLOAD_RATE) * 1000,
    deadline,
  });
}

/** The server deduplicates by `pending_post_id` (at most 64 runes), which makes a repeat harmless. */
export const createPost = (api: Api, post: NewPost, deadline?: Deadline) =>
  api.request<Post>("POST", "/posts", {
    body: { ...post, pending_post_id: post.pending_post_id ?? `mmn:${crypto.randomUUID()}` },
    idempotent: true,
    shape: POST,
    deadline,
  });

export const patchPost = (api: Api, postId: string, patch: PostPatch, deadline?: Deadline) =>
  api.request<Post>("PUT", `/posts/${seg(postId)}/patch`, { body: patch, shape: POST, deadline });

export const getPost = (api: Api, postId: string, deadline?: Deadline) =>
  api.request<Post>("GET", `/posts/${seg(postId)}`, { shape: POST, deadline });

/** Who reacted to a post with what (a run's status post read as a control panel); null: none. */
export const getReactions = (api: Api, postId: string, deadline?: Deadline) =>
  api.request<Reaction[] | null>("GET", `/posts/${seg(postId)}/reactions`, { shape: REACTIONS, deadline });

/** The channel's posts created or changed since a time (ms): to find a post that may have been made. */
export const getPostsSince = (api: Api, channelId: string, since: number, deadline?: Deadline) =>
  api.request<{ order?: string[]; posts?: Record<string, Post> }>("GET", `/channels/${seg(channelId)}/posts`, {
    query: { since: String(since) },
    shape: OBJECT,
    deadline,
  });

/** Asked before an upload, for MaxFileSize: held to the files' deadline like the upload. */
export const getClientConfig = (api: Api, deadline?: Deadline) =>
  api.request<ClientConfigOld>("GET", "/config/client", {
    query: { format: "old" },
    shape: OBJECT,
    forFiles: true,
    deadline,
  });

export const ping = (api: Api, deadline?: Deadline) =>
  api.request<{ status: string }>("GET", "/system/ping", { shape: OBJECT, deadline });
