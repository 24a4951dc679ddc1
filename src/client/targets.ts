import type { UserProfile } from "@mattermost/types/users";
import { lowerAlnum } from "../base/chars.ts";
import { ConfigError, ServerError, UsageError } from "../base/errors.ts";
import type { Api, Deadline } from "../mattermost/api.ts";
import * as rest from "../mattermost/endpoints.ts";
import type { NameCache } from "./names.ts";
import type { Recipient } from "./recipient.ts";

/** A user or channel by name, resolved to a channel id on first use. */
export interface Target {
  /** Cache key: server, kind and name. */
  key: string;
  /** How the user wrote it: `@alice`, `~town-square`. */
  label: string;
  resolve(deadline?: Deadline): Promise<string>;
}

/** What the server takes in a URL (it answers others with a bare HTTP 400). */
const isUsername = (name: string) => lowerAlnum(name, "._-");
const isName = (name: string) => lowerAlnum(name, "_-");

/** `@Alice` → `alice`: usernames are lower case on the server, which refuses others (HTTP 400). */
const userName = (raw: string) => {
  const name = raw.trim();
  return (name.startsWith("@") ? name.slice(1) : name).toLowerCase();
};

/** Resolves names to channel ids, through a cache that is trusted until the server disagrees. */
export class Targets {
  #me: Promise<UserProfile> | undefined;

  constructor(
    private readonly api: Api,
    private readonly names: NameCache,
    private readonly team: string | undefined,
  ) {}

  me(deadline?: Deadline): Promise<UserProfile> {
    this.#me ??= rest.getMe(this.api, deadline).catch((error: unknown) => {
      this.#me = undefined;
      throw error;
    });
    return this.#me;
  }

  /** The recipient as a target: its name checked now, resolved when a message goes to it. */
  of(recipient: Recipient): Target {
    return "user" in recipient ? this.user(recipient.user) : this.channel(recipient.channel);
  }

  user(raw: string): Target {
    const name = userName(raw);
    if (!name) throw new UsageError("the user name is empty");
    if (!isUsername(name)) {
      throw new UsageError(`${JSON.stringify(raw.trim())} is not a username`, {
        hint: "a username has letters, digits, '.', '_' and '-' only: the name after @ in Mattermost, not the display name",
      });
    }
    return {
      key: `${this.api.serverUrl} dm ${name}`,
      label: `@${name}`,
      resolve: async (deadline) => {
        const [me, user] = await Promise.all([this.me(deadline), this.#user(name, deadline)]);
        const channel = await rest.createDirectChannel(this.api, [me.id, user.id], deadline);
        return channel.id;
      },
    };
  }

  /**
   * Whether a send to the user or channel would go through, without creating or sending
   * anything: the user exists; the channel exists and the token's user is a member of it.
   */
  async check(recipient: Recipient): Promise<string> {
    if ("user" in recipient) {
      const [me, user] = await Promise.all([this.me(), this.#user(userName(recipient.user))]);
      // The server never notifies anyone of their own post: with a personal token, a DM to its owner is silent.
      if (user.id === me.id && !me.is_bot) {
        throw new ConfigError(
          `@${user.username} is the token's own user: Mattermost does not notify anyone of their own posts`,
          {
            hint: "use a bot account's token (Integrations → Bot Accounts), or send to another user or a channel",
          },
        );
      }
      return `@${user.username}`;
    }
    const target = this.channel(recipient.channel);
    const channelId = await target.resolve();
    try {
      await rest.getMyChannelMember(this.api, channelId);
    } catch (error) {
      if (!(error instanceof ServerError && (error.status === 403 || error.status === 404))) throw error;
      const bot = (await this.me()).username;
      throw error.rephrase(
        `the bot is not a member of ${target.label}: it could not post there`,
        `add it (in Mattermost: /invite @${bot})`,
      );
    }
    return target.label;
  }

  /** A user by name (`@Alice` as `alice`): a 404 says there is none. */
  userNamed(raw: string, deadline?: Deadline): Promise<UserProfile> {
    return this.#user(userName(raw), deadline);
  }

  #user(name: string, deadline?: Deadline): Promise<UserProfile> {
    return this.#lookup(
      rest.getUserByUsername(this.api, name, deadline),
      404,
      `no user named @${name} on this server`,
      "check the spelling: it is the username, not the display name",
    );
  }

  channel(raw: string): Target {
    // Team and channel names, as URLs show them, are lower case; display names are not names.
    const trimmed = raw.trim().replace(/^~/, "").toLowerCase();
    const slash = trimmed.indexOf("/");
    const team = slash > 0 ? trimmed.slice(0, slash) : this.team?.toLowerCase();
    const name = (slash > 0 ? trimmed.slice(slash + 1) : trimmed).replace(/^~/, "");
    if (!name) throw new UsageError("the channel name is empty");
    if (name.startsWith("@"))
      throw new UsageError(`${raw.trim()} is a user, not a channel`, {
        hint: `send to a user with -u ${name.slice(1)}`,
      });
    if (/\s/.test(name)) {
      throw new UsageError(`${JSON.stringify(raw.trim())} is a display name, not a channel name`, {
        hint: `use the name in the channel's URL, like ${name.replace(/\s+/g, "-")}`,
      });
    }
    if (!isName(name)) {
      throw new UsageError(`${JSON.stringify(raw.trim())} is not a channel name`, {
        hint: "write the channel as its URL shows it (town-square), or team/channel for another team",
      });
    }
    if (team !== undefined && !isName(team)) {
      throw new UsageError(`${JSON.stringify(team)} is not a team name`, {
        hint: "write the team as its URL shows it (the part before /channels/)",
      });
    }
    if (!team) {
      throw new ConfigError(`no team is configured to find ~${name} in`, {
        hint: "set team in your configuration (mmn setup), MMN_TEAM, or write the channel as team/channel",
      });
    }
    return {
      key: `${this.api.serverUrl} channel ${team}/${name}`,
      label: `~${name}`,
      resolve: async (deadline) => {
        const channel = await this.#lookup(
          rest.getChannelByName(this.api, team, name, deadline),
          404,
          `no channel ~${name} in team ${team} that the bot can see`,
          "check the names; a private channel is visible only after the bot is added to it",
        );
        return channel.id;
      },
    };
  }

  /**
   * Run `send` with the target's channel id. A cached id the server refuses (403/404) may be
   * stale: it is dropped and the name resolved once more before the error counts.
   */
  async deliver<T>(target: Target, send: (channelId: string) => Promise<T>, deadline?: Deadline): Promise<T> {
    const cached = await this.names.get(target.key);
    if (cached) {
      try {
        return await send(cached);
      } catch (error) {
        if (!refusesChannel(error)) throw error;
        await this.names.delete(target.key);
      }
    }
    const channelId = await target.resolve(deadline);
    await this.names.set(target.key, channelId);
    try {
      return await send(channelId);
    } catch (error) {
      if (refusesChannel(error) && error.status === 403) {
        const bot = (await this.me().catch(() => undefined))?.username ?? "the-bot";
        throw error.rephrase(
          `the bot may not post in ${target.label}: ${error.message}`,
          `add the bot to ${target.label} (in Mattermost: /invite @${bot})`,
        );
      }
      throw error;
    }
  }

  async #lookup<T>(request: Promise<T>, status: number, message: string, hint: string): Promise<T> {
    try {
      return await request;
    } catch (error) {
      if (error instanceof ServerError && error.status === status) {
        throw error.rephrase(message, hint);
      }
      throw error;
    }
  }
}

/**
 * A refusal of the channel (403, 404), which a stale cached id explains, not of what the post
 * carries: a message priority the server does not allow is the same 403 in any channel.
 */
function refusesChannel(error: unknown): error is ServerError {
  if (!(error instanceof ServerError) || (error.status !== 403 && error.status !== 404)) return false;
  return !error.serverId?.startsWith("api.post.post_priority.");
}
