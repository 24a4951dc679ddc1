// In-memory state: users, teams, channels, memberships, sessions, posts and files.
import type { ServerChannel } from "@mattermost/types/channels";
import type { Post } from "@mattermost/types/posts";
import type { Reaction } from "@mattermost/types/reactions";
import type { Team } from "@mattermost/types/teams";
import type { UserProfile } from "@mattermost/types/users";
import { dmName, makeDirectChannel } from "./fixtures.ts";
import { newId } from "./ids.ts";
import type { StoredFile } from "./types.ts";
import type { IncomingWebhook } from "./webhooks.ts";

export class Store {
  readonly users = new Map<string, UserProfile>();
  readonly teams = new Map<string, Team>();
  readonly channels = new Map<string, ServerChannel>();
  /** Every post by id, in creation order. */
  readonly posts = new Map<string, Post>();
  readonly files = new Map<string, StoredFile>();
  /** Incoming webhooks by id: the secret part of their URL. */
  readonly webhooks = new Map<string, IncomingWebhook>();
  /** Reactions by post id, in the order they were made. */
  readonly reactions = new Map<string, Reaction[]>();
  private readonly teamMembers = new Map<string, Set<string>>();
  private readonly channelMembers = new Map<string, Set<string>>();
  private readonly sessions = new Map<string, string>(); // token -> user id
  private readonly pendingPosts = new Map<string, string>(); // user id + pending_post_id -> post id

  addUser(user: UserProfile): UserProfile {
    this.users.set(user.id, user);
    return user;
  }

  userByName(username: string): UserProfile | undefined {
    for (const u of this.users.values()) if (u.username === username) return u;
    return undefined;
  }

  addTeam(team: Team, members: string[]): Team {
    this.teams.set(team.id, team);
    this.teamMembers.set(team.id, new Set(members));
    return team;
  }

  addTeamMember(teamId: string, userId: string): void {
    this.teamMembers.get(teamId)?.add(userId);
  }

  teamByName(name: string): Team | undefined {
    for (const t of this.teams.values()) if (t.name === name) return t;
    return undefined;
  }

  teamsOf(userId: string): Team[] {
    return [...this.teams.values()].filter((t) => this.teamMembers.get(t.id)?.has(userId));
  }

  addChannel(channel: ServerChannel, members: string[]): ServerChannel {
    this.channels.set(channel.id, channel);
    this.channelMembers.set(channel.id, new Set(members));
    return channel;
  }

  channelByName(teamId: string, name: string): ServerChannel | undefined {
    for (const c of this.channels.values()) if (c.team_id === teamId && c.name === name) return c;
    return undefined;
  }

  isMember(channelId: string, userId: string): boolean {
    return this.channelMembers.get(channelId)?.has(userId) ?? false;
  }

  /** Members read any channel; team members also read the team's public channels. */
  canRead(channel: ServerChannel, userId: string): boolean {
    if (this.isMember(channel.id, userId)) return true;
    return (
      channel.type === "O" && channel.team_id !== "" && (this.teamMembers.get(channel.team_id)?.has(userId) ?? false)
    );
  }

  /** The direct channel of two users, created on first use. */
  directChannel(a: string, b: string): ServerChannel {
    const name = dmName(a, b);
    for (const c of this.channels.values()) if (c.type === "D" && c.name === name) return c;
    return this.addChannel(makeDirectChannel(a, b), [a, b]);
  }

  findDirectChannel(a: string, b: string): ServerChannel | undefined {
    const name = dmName(a, b);
    for (const c of this.channels.values()) if (c.type === "D" && c.name === name) return c;
    return undefined;
  }

  tokenFor(userId: string): string {
    for (const [token, id] of this.sessions) if (id === userId) return token;
    const token = newId();
    this.sessions.set(token, userId);
    return token;
  }

  userOfToken(token: string): UserProfile | undefined {
    const id = this.sessions.get(token);
    return id === undefined ? undefined : this.users.get(id);
  }

  pendingPost(userId: string, pendingPostId: string): Post | undefined {
    const id = this.pendingPosts.get(`${userId}:${pendingPostId}`);
    return id === undefined ? undefined : this.posts.get(id);
  }

  rememberPending(userId: string, pendingPostId: string, postId: string): void {
    this.pendingPosts.set(`${userId}:${pendingPostId}`, postId);
  }

  /** The server's cache of pending_post_ids expires (Mattermost keeps them for seconds): a repeat is a new post. */
  forgetPending(): void {
    this.pendingPosts.clear();
  }

  postsIn(channelId: string): Post[] {
    return [...this.posts.values()].filter((p) => p.channel_id === channelId);
  }

  /** Forget everything the API created (posts, files, DMs, pending ids); keep users, teams, channels. */
  clearActivity(): void {
    this.posts.clear();
    this.reactions.clear();
    this.files.clear();
    this.pendingPosts.clear();
    for (const [id, c] of this.channels) {
      if (c.type === "D") {
        this.channels.delete(id);
        this.channelMembers.delete(id);
      } else {
        c.last_post_at = 0;
        c.last_root_post_at = 0;
        c.total_msg_count = 0;
        c.total_msg_count_root = 0;
      }
    }
  }
}
