import type { Reaction } from "@mattermost/types/reactions";
import type { UserProfile } from "@mattermost/types/users";
import type { Api } from "../mattermost/api.ts";
import * as rest from "../mattermost/endpoints.ts";
import type { Call } from "./courier.ts";
import type { Targets } from "./targets.ts";

/** What a run's status post, read as a control panel from the phone, asks of the server: nothing it sends. */
export class PanelReads {
  constructor(
    private readonly api: Api,
    private readonly targets: Targets,
  ) {}

  /** Who reacted to a post with what. */
  async reactions(postId: string, call: Call = {}): Promise<Reaction[]> {
    return (await rest.getReactions(this.api, postId, call.deadline)) ?? [];
  }

  /** A user by name: whom `control=` lets act on a run. */
  user(name: string, call: Call = {}): Promise<UserProfile> {
    return this.targets.userNamed(name, call.deadline);
  }
}
