// The fixtures every test server starts with.
import type { ServerChannel } from "@mattermost/types/channels";
import type { Team } from "@mattermost/types/teams";
import type { UserProfile } from "@mattermost/types/users";
import { makeChannel, makeTeam, makeUser } from "./fixtures.ts";
import type { Store } from "./store.ts";

export interface Seed {
  bot: UserProfile;
  team: Team;
  users: { alice: UserProfile; bob: UserProfile };
  channels: { townSquare: ServerChannel; general: ServerChannel; noBot: ServerChannel; secret: ServerChannel };
}

/**
 * Team "research" with notify-bot (a bot), alice and bob. Channels: town-square and general (the
 * bot is a member), no-bot (public, the bot is not a member), secret (private, the bot is not a member).
 */
export function seed(store: Store): Seed {
  const bot = store.addUser(makeUser("notify-bot", { isBot: true }));
  const alice = store.addUser(makeUser("alice"));
  const bob = store.addUser(makeUser("bob"));
  const everyone = [bot.id, alice.id, bob.id];
  const team = store.addTeam(makeTeam("research", "Research"), everyone);
  const channel = (name: string, type: "O" | "P", members: string[]): ServerChannel =>
    store.addChannel(makeChannel(team.id, name, type, alice.id), members);
  return {
    bot,
    team,
    users: { alice, bob },
    channels: {
      townSquare: channel("town-square", "O", everyone),
      general: channel("general", "O", everyone),
      noBot: channel("no-bot", "O", [alice.id, bob.id]),
      secret: channel("secret", "P", [alice.id, bob.id]),
    },
  };
}
