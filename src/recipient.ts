import { UsageError } from "./base/errors.ts";

/** Who a message goes to: a user by a direct message, or a channel. */
export type Recipient = { user: string } | { channel: string };

/**
 * The one place the recipient is picked: a user or a channel named for this message (at
 * most one), else the configured default (`user=` or `channel=`, which are one setting).
 */
export function pickRecipient(
  named: { user?: string | undefined; channel?: string | undefined },
  defaults: { user?: string | undefined; channel?: string | undefined } = {},
): Recipient | undefined {
  const { user, channel } = named;
  if (user !== undefined && channel !== undefined) throw new UsageError("give a user or a channel, not both");
  if (user === "") throw new UsageError("the user name is empty");
  if (channel === "") throw new UsageError("the channel name is empty");
  if (user) return { user };
  if (channel) return { channel };
  return defaults.user ? { user: defaults.user } : defaults.channel ? { channel: defaults.channel } : undefined;
}
