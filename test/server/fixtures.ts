// Builders for the entities the server returns, shaped like the real server's JSON.
import type { ServerChannel } from "@mattermost/types/channels";
import type { Team } from "@mattermost/types/teams";
import type { UserNotifyProps, UserProfile } from "@mattermost/types/users";
import { newId } from "./ids.ts";

const NOTIFY_PROPS: UserNotifyProps = {
  desktop: "mention",
  desktop_sound: "true",
  calls_desktop_sound: "true",
  email: "true",
  mark_unread: "all",
  push: "mention",
  push_status: "online",
  comments: "never",
  first_name: "false",
  channel: "true",
  mention_keys: "",
  highlight_keys: "",
};

export function makeUser(username: string, opts: { isBot?: boolean; now?: number } = {}): UserProfile {
  const now = opts.now ?? Date.now();
  const isBot = opts.isBot ?? false;
  return {
    id: newId(),
    create_at: now,
    update_at: now,
    delete_at: 0,
    username,
    password: "",
    auth_service: "",
    email: isBot ? "" : `${username}@example.com`,
    nickname: "",
    first_name: isBot ? "" : username.charAt(0).toUpperCase() + username.slice(1),
    last_name: "",
    position: "",
    roles: "system_user",
    props: {},
    notify_props: { ...NOTIFY_PROPS, mention_keys: `${username},@${username}` },
    last_password_update: now,
    last_picture_update: 0,
    locale: "en",
    timezone: { automaticTimezone: "", manualTimezone: "", useAutomaticTimezone: "true" },
    mfa_active: false,
    last_activity_at: 0,
    is_bot: isBot,
    bot_description: isBot ? "Notifications from mmn" : "",
    terms_of_service_id: "",
    terms_of_service_create_at: 0,
  };
}

export function makeTeam(name: string, displayName: string, now = Date.now()): Team {
  return {
    id: newId(),
    create_at: now,
    update_at: now,
    delete_at: 0,
    display_name: displayName,
    name,
    description: "",
    email: "",
    type: "O",
    company_name: "",
    allowed_domains: "",
    invite_id: "",
    allow_open_invite: true,
    scheme_id: "",
    group_constrained: false,
    policy_id: null,
  };
}

function displayNameOf(name: string): string {
  return name
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}

export function makeChannel(
  teamId: string,
  name: string,
  type: "O" | "P",
  creatorId: string,
  now = Date.now(),
): ServerChannel {
  return {
    id: newId(),
    create_at: now,
    update_at: now,
    delete_at: 0,
    team_id: teamId,
    type,
    display_name: displayNameOf(name),
    name,
    header: "",
    purpose: "",
    last_post_at: 0,
    last_root_post_at: 0,
    total_msg_count: 0,
    total_msg_count_root: 0,
    creator_id: creatorId,
    scheme_id: "",
    group_constrained: false,
    policy_id: null,
  };
}

/** model.GetDMNameFromIds: the two ids sorted, joined by "__". */
export function dmName(a: string, b: string): string {
  return a < b ? `${a}__${b}` : `${b}__${a}`;
}

export function makeDirectChannel(a: string, b: string, now = Date.now()): ServerChannel {
  return {
    ...makeChannel("", dmName(a, b), "O", a, now),
    type: "D",
    display_name: "",
  };
}
