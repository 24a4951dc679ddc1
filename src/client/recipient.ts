import { UsageError } from "../base/errors.ts";

/** Who a message goes to: a user by a direct message, or a channel. */
export type Recipient = { user: string } | { channel: string };

/** A user or a channel as a caller names them: either, both (a mistake) or neither. */
type Named = { user?: string | undefined; channel?: string | undefined };

/** How a caller's mistakes are worded: the library's words, or the flags' (`-u/--user`). */
export interface RecipientWords {
  both: string;
  emptyUser: string;
  emptyChannel: string;
}

const LIBRARY_WORDS: RecipientWords = {
  both: "give a user or a channel, not both",
  emptyUser: "the user name is empty",
  emptyChannel: "the channel name is empty",
};

/** The one check of a recipient named for one message: at most one, and not empty. Undefined when none is. */
export function namedRecipient(named: Named, words: RecipientWords = LIBRARY_WORDS): Recipient | undefined {
  const { user, channel } = named;
  if (user !== undefined && channel !== undefined) throw new UsageError(words.both);
  if (user === "") throw new UsageError(words.emptyUser);
  if (channel === "") throw new UsageError(words.emptyChannel);
  return user ? { user } : channel ? { channel } : undefined;
}

/**
 * The one place the recipient is picked: a user or a channel named for this message (at
 * most one), else the configured default (`user=` or `channel=`, which are one setting).
 */
export function pickRecipient(named: Named, defaults: Named = {}): Recipient | undefined {
  return (
    namedRecipient(named) ??
    (defaults.user ? { user: defaults.user } : defaults.channel ? { channel: defaults.channel } : undefined)
  );
}
