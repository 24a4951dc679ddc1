import type { Reaction } from "@mattermost/types/reactions";

/** What a reaction on the status post asks of the run, and who asked. */
export type ReactionCommand = { kind: "stop" | "tail" | "silence"; by: string };

/** 🛑 stops the job as scancel would, 👀 asks for the current tail, 🔕 silences the run's notifying replies. */
const COMMANDS: Readonly<Record<string, ReactionCommand["kind"]>> = {
  octagonal_sign: "stop",
  eyes: "tail",
  no_bell: "silence",
};

/** More reactions than this on one post are not read: a flood of them costs nothing more. */
const MAX_READ = 500;

/**
 * The status post's reactions read as commands: only those of the users allowed (by id, the
 * server's word on who reacted), each reaction once (one taken off and put back is new: its
 * create_at differs), and a stop or a silence once for the run.
 */
export class ReactionCommands {
  readonly #seen = new Set<string>();
  readonly #once = new Set<ReactionCommand["kind"]>();

  /** `allowed`: user id → username, the name said when the run was stopped. */
  constructor(private readonly allowed: ReadonlyMap<string, string>) {}

  read(reactions: readonly Reaction[]): ReactionCommand[] {
    const commands: ReactionCommand[] = [];
    for (const reaction of reactions.slice(0, MAX_READ)) {
      const kind = COMMANDS[reaction.emoji_name];
      const by = this.allowed.get(reaction.user_id);
      const key = `${reaction.user_id}:${reaction.emoji_name}:${reaction.create_at}`;
      if (!kind || by === undefined || this.#seen.has(key)) continue;
      this.#seen.add(key);
      if (kind !== "tail" && this.#once.has(kind)) continue;
      if (kind !== "tail") this.#once.add(kind);
      commands.push({ kind, by });
    }
    return commands;
  }
}
