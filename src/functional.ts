import type { Post } from "@mattermost/types/posts";
import { readCaBundle } from "./ca.ts";
import { type LoadOptions, type MmnConfig, requireConnection } from "./config.ts";
import { loadConfig } from "./config-files.ts";
import { UsageError } from "./errors.ts";
import type { FileInput } from "./files.ts";
import type { MessageHook } from "./hooks.ts";
import { redactCredentials } from "./mattermost/proxy.ts";
import { Notify, type NotifyOptions, type UpdateOptions } from "./notify.ts";
import { pickRecipient } from "./recipient.ts";

export interface WakeupOptions {
  /** Send to this user when `notify()` names no target. */
  alwaysSendToUser?: string;
  /** Send to this channel when `notify()` names no target. */
  alwaysSendToChannel?: string;
  /**
   * Where the connection comes from: a config file path, values that override the
   * configuration files and environment, or how to load them.
   */
  config?: string | MmnConfig | LoadOptions;
  /** Extra client options (timeouts, hook store…). */
  client?: Partial<NotifyOptions>;
}

export interface NotifyCallOptions {
  user?: string;
  channel?: string;
  files?: FileInput[];
  id?: string;
}

let client: Notify | undefined;
let defaults: { user?: string; channel?: string } = {};

/** Connect with the user's configuration, as the seed's `wakeup()` does. Returns the client. */
export async function wakeup(options: WakeupOptions = {}): Promise<Notify> {
  if (options.alwaysSendToUser && options.alwaysSendToChannel) {
    throw new UsageError("give alwaysSendToUser or alwaysSendToChannel, not both");
  }
  const load: LoadOptions =
    typeof options.config === "string"
      ? { configFile: options.config }
      : isLoadOptions(options.config)
        ? options.config
        : { overrides: options.config };
  const loaded = await loadConfig(load);
  for (const warning of loaded.warnings) process.emitWarning(warning, "MmnWarning");
  const connection = requireConnection(loaded);
  client = new Notify({ ...connection, ...(await transport(loaded.config)), ...options.client });
  const user = options.alwaysSendToUser ?? (options.alwaysSendToChannel ? undefined : loaded.config.user);
  const channel = options.alwaysSendToChannel ?? (options.alwaysSendToUser ? undefined : loaded.config.channel);
  defaults = { ...(user ? { user } : {}), ...(channel && !user ? { channel } : {}) };
  if (defaults.channel) client.setDefaultChannel(defaults.channel);
  return client;
}

/**
 * `ca=` and `proxy=` as fetch takes them. Under Node, whose fetch has neither, a
 * configuration shared with the mmn binary must not stop the library: they are left to
 * NODE_EXTRA_CA_CERTS and the network, with a warning.
 */
async function transport({ ca, proxy }: MmnConfig): Promise<Pick<NotifyOptions, "ca" | "proxy">> {
  if (!("Bun" in globalThis)) {
    if (ca && !process.env.NODE_EXTRA_CA_CERTS)
      process.emitWarning(`ca=${ca} is not used under Node: start it with NODE_EXTRA_CA_CERTS=${ca}`, "MmnWarning");
    if (proxy)
      process.emitWarning(
        `proxy=${redactCredentials(proxy)} is not used under Node, whose fetch takes no proxy`,
        "MmnWarning",
      );
    return {};
  }
  return { ...(ca ? { ca: await readCaBundle(ca) } : {}), ...(proxy ? { proxy } : {}) };
}

function isLoadOptions(value: WakeupOptions["config"]): value is LoadOptions {
  return (
    typeof value === "object" &&
    ("overrides" in value || "configFile" in value || "cwd" in value || "env" in value || "home" in value)
  );
}

function awake(): Notify {
  if (!client) throw new UsageError("not connected: call wakeup() first");
  return client;
}

/**
 * Send to a user or channel (or the default target). When `id` names a message sent
 * before, that message is updated instead: the seed's rule.
 */
export async function notify(message: string, options: NotifyCallOptions = {}): Promise<Post> {
  const notifier = awake();
  const { user, channel, files, id } = options;
  const to = pickRecipient({ user, channel }, defaults);
  if (!to && (id === undefined || !(await notifier.hooks.get(id)))) {
    throw new UsageError("no user or channel to send to", {
      hint: "name one, or call wakeup({ alwaysSendToUser }) or set a default user in the configuration",
    });
  }
  return (await notifier.deliver(message, { to, id, ...(files ? { files } : {}) })).post;
}

export const notifyUser = (message: string, user: string, options: Omit<NotifyCallOptions, "user" | "channel"> = {}) =>
  awake().sendToUser(message, user, options);

export const notifyChannel = (
  message: string,
  channel: string,
  options: Omit<NotifyCallOptions, "user" | "channel"> = {},
) => awake().sendToChannel(message, channel, options);

export const sendUpdate = (message: string, options: UpdateOptions): Promise<Post> =>
  awake().sendUpdate(message, options);

export const exportHook = (id: string, path: string): Promise<void> => awake().writeMessageHookToFile(id, path);

export const importHook = (path: string): Promise<MessageHook> => awake().readMessageHookFromFile(path);
