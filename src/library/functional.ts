import type { Post } from "@mattermost/types/posts";
import { ConfigError, UsageError } from "../base/errors.ts";
import type { FileInput } from "../client/files.ts";
import { pickRecipient } from "../client/recipient.ts";
import { clientOptions } from "../config/client-options.ts";
import { configFromObject, LOAD_KEYS, type LoadOptions, type MmnConfig } from "../config/config.ts";
import { loadConfig } from "../config/config-files.ts";
import type { MessageHook } from "../hooks/hook-file.ts";
import { checkMessage, checkName, checkOptions, checkUpdate, type OptionKeys } from "./arguments.ts";
import { Notify } from "./notify.ts";
import { NOTIFY_KEYS, type NotifyOptions, type UpdateOptions } from "./notify-options.ts";

/** What `wakeup()` takes: the default recipient, and where the connection comes from. */
export interface WakeupOptions {
  /** Send to this user when `notify()` or `notifyUser()` names no one. */
  alwaysSendToUser?: string;
  /** Send to this channel when `notify()` or `notifyChannel()` names none. */
  alwaysSendToChannel?: string;
  /**
   * Where the connection comes from: a config file path, values that override the
   * configuration files and environment (the Python package's `{ url, team_name, token }`
   * too), or how to load them.
   */
  config?: string | WakeupConfig | LoadOptions;
  /** Extra client options (timeouts, hook store…). */
  client?: Partial<NotifyOptions>;
}

/** Configuration values, by mmn's names or the Python package's `team_name`. */
export type WakeupConfig = MmnConfig & { team_name?: string };

/** What `notify()` takes besides the message (Python's keyword arguments). */
export interface NotifyCallOptions {
  /** A direct message to this user (else the default recipient). */
  user?: string;
  /** A post in this channel (else the default recipient). */
  channel?: string;
  /** A path, `{ path, name }`, or a list of them. */
  files?: FileInput | readonly FileInput[];
  /** Remember the message under this id; a known id edits its message instead. */
  id?: string;
}

const WAKEUP_KEYS: OptionKeys<WakeupOptions> = {
  alwaysSendToUser: true,
  alwaysSendToChannel: true,
  config: true,
  client: true,
};
const CALL_KEYS: OptionKeys<NotifyCallOptions> = { user: true, channel: true, files: true, id: true };

/** What `notifyUser` and `notifyChannel` take besides the recipient (Python's keyword arguments). */
export type SendCallOptions = Omit<NotifyCallOptions, "user" | "channel">;
const SEND_CALL_KEYS: OptionKeys<SendCallOptions> = { files: true, id: true };

let client: Notify | undefined;
let connecting: Promise<Notify> | undefined;
let defaults: { user?: string; channel?: string } = {};

/**
 * Connect with the user's configuration, as `wakeup()` of Mattermost Notify (Python) does, and
 * make the client the functions use. Returns that client. The functions call it themselves, with
 * the configuration, when it has not been called.
 *
 * @example
 * ```ts
 * await wakeup({ alwaysSendToUser: "alice" });
 * await wakeup({ config: { url: "https://chat.example.org", team_name: "research", token } });
 * ```
 * @throws {@link ConfigError} when there is no configuration (no server or token), a
 *   configuration file cannot be used, or an option is unknown; {@link UsageError} for both a
 *   default user and a default channel.
 */
export async function wakeup(options: WakeupOptions = {}): Promise<Notify> {
  checkOptions("wakeup", options, WAKEUP_KEYS, { usage: 'wakeup({ alwaysSendToUser: "alice" })' });
  checkName("wakeup", "user", options.alwaysSendToUser);
  checkName("wakeup", "channel", options.alwaysSendToChannel);
  checkOptions("wakeup({ client })", options.client, NOTIFY_KEYS, { kind: ConfigError });
  if (isLoadOptions(options.config))
    checkOptions("wakeup({ config })", options.config, LOAD_KEYS, { kind: ConfigError });
  if (options.alwaysSendToUser && options.alwaysSendToChannel) {
    throw new UsageError("give alwaysSendToUser or alwaysSendToChannel, not both");
  }
  const load: LoadOptions =
    typeof options.config === "string"
      ? { configFile: options.config }
      : isLoadOptions(options.config)
        ? options.config
        : { overrides: configFromObject(options.config ?? {}, "wakeup({ config })") };
  const loaded = await loadConfig(load);
  for (const warning of loaded.warnings) process.emitWarning(warning, "MmnWarning");
  const warn = (text: string) => process.emitWarning(text, "MmnWarning");
  client = new Notify({ ...(await clientOptions(loaded, { warn })), ...options.client });
  const user = options.alwaysSendToUser ?? (options.alwaysSendToChannel ? undefined : loaded.config.user);
  const channel = options.alwaysSendToChannel ?? (options.alwaysSendToUser ? undefined : loaded.config.channel);
  defaults = { ...(user ? { user } : {}), ...(channel && !user ? { channel } : {}) };
  if (defaults.channel) client.setDefaultChannel(defaults.channel);
  return client;
}
function isLoadOptions(value: WakeupOptions["config"]): value is LoadOptions {
  return (
    typeof value === "object" &&
    ("overrides" in value || "configFile" in value || "cwd" in value || "env" in value || "home" in value)
  );
}

/**
 * The client `wakeup()` made; without one, `wakeup()` is called with the configuration, as
 * the Python package's functions do. Calls made at once share that one connection.
 */
function awake(): Promise<Notify> {
  if (client) return Promise.resolve(client);
  connecting ??= wakeup().finally(() => {
    connecting = undefined;
  });
  return connecting;
}

/**
 * Send to a user or channel (or the default recipient). When `id` names a message sent
 * before, that message is updated instead: the rule of Mattermost Notify (Python)'s `notify()`.
 *
 * @example
 * ```ts
 * await notify("Hello World!", { id: "job" });       // to the default recipient
 * await notify("job: done", { id: "job" });           // the same message, edited
 * await notify("deploy finished", { channel: "ops", files: ["deploy.log"] });
 * ```
 * @throws {@link UsageError} when there is nobody to send to, or for a bad argument;
 *   {@link ConfigError} without a configuration; {@link ServerError} or {@link NetworkError}
 *   when the server refuses or cannot be reached; {@link AfterSendError} when the post went out
 *   but a file was left out.
 */
export async function notify(message: string, options: NotifyCallOptions = {}): Promise<Post> {
  checkMessage("notify", message);
  checkOptions("notify", options, CALL_KEYS, {
    usage: 'notify(message, { user: "alice" }) or notify(message, { channel: "town-square" })',
  });
  const notifier = await awake();
  const { user, channel, files, id } = options;
  const to = pickRecipient({ user, channel }, defaults);
  if (!to && (id === undefined || !(await notifier.messageInCache(id)))) {
    throw new UsageError("no user or channel to send to", {
      hint: "name one, or call wakeup({ alwaysSendToUser }) or set a default user in the configuration",
    });
  }
  return (await notifier.deliver(message, { to, id, ...(files ? { files } : {}) })).post;
}

/**
 * A direct message to `user`, or to the default user (`wakeup({ alwaysSendToUser })`, or
 * `user=` in the configuration) when none is named: Python's `notify_user(message, user_name=None)`.
 *
 * @example
 * ```ts
 * await notifyUser("to the default user", { files: ["plot.png"] });
 * await notifyUser("Hello!", "alice", { id: "greeting" });
 * ```
 * @throws {@link UsageError} when no user is named and none is set; else as {@link notify} does.
 */
export function notifyUser(message: string, options?: SendCallOptions): Promise<Post>;
/**
 * A direct message to `user`, or to the default user (`wakeup({ alwaysSendToUser })`, or
 * `user=` in the configuration) when none is named: Python's `notify_user(message, user_name=None)`.
 *
 * @example
 * ```ts
 * await notifyUser("to the default user", { files: ["plot.png"] });
 * await notifyUser("Hello!", "alice", { id: "greeting" });
 * ```
 * @throws {@link UsageError} when no user is named and none is set; else as {@link notify} does.
 */
export function notifyUser(message: string, user: string | undefined, options?: SendCallOptions): Promise<Post>;
export async function notifyUser(
  message: string,
  userOrOptions?: string | SendCallOptions,
  options: SendCallOptions = {},
): Promise<Post> {
  const [user, rest] = typeof userOrOptions === "object" ? [undefined, userOrOptions] : [userOrOptions, options];
  checkCall("notifyUser", message, "user", user, rest);
  const notifier = await awake();
  const name = user ?? defaults.user;
  if (name === undefined)
    throw new UsageError("no user given and no default user set", {
      hint: 'name one: notifyUser(message, "alice"), or call wakeup({ alwaysSendToUser }) or set user= in the configuration',
    });
  return notifier.sendToUser(message, name, rest);
}

/**
 * A post in `channel`, or in the default channel (`wakeup({ alwaysSendToChannel })`, or
 * `channel=` in the configuration) when none is named: Python's `notify_channel(message, channel_name=None)`.
 *
 * @example
 * ```ts
 * await notifyChannel("Hello!", "town-square", { files: ["/path/to/file"] });
 * ```
 * @throws {@link UsageError} when no channel is named and none is set; {@link ConfigError}
 *   when no team is configured; else as {@link notify} does.
 */
export function notifyChannel(message: string, options?: SendCallOptions): Promise<Post>;
/**
 * A post in `channel`, or in the default channel (`wakeup({ alwaysSendToChannel })`, or
 * `channel=` in the configuration) when none is named: Python's `notify_channel(message, channel_name=None)`.
 *
 * @example
 * ```ts
 * await notifyChannel("Hello!", "town-square", { files: ["/path/to/file"] });
 * ```
 * @throws {@link UsageError} when no channel is named and none is set; {@link ConfigError}
 *   when no team is configured; else as {@link notify} does.
 */
export function notifyChannel(message: string, channel: string | undefined, options?: SendCallOptions): Promise<Post>;
export async function notifyChannel(
  message: string,
  channelOrOptions?: string | SendCallOptions,
  options: SendCallOptions = {},
): Promise<Post> {
  const [channel, rest] =
    typeof channelOrOptions === "object" ? [undefined, channelOrOptions] : [channelOrOptions, options];
  checkCall("notifyChannel", message, "channel", channel, rest);
  const notifier = await awake();
  const name = channel ?? defaults.channel;
  if (name === undefined)
    throw new UsageError("no channel given and no default channel set", {
      hint: 'name one: notifyChannel(message, "town-square"), or call wakeup({ alwaysSendToChannel }) or set channel= in the configuration',
    });
  return notifier.sendToChannel(message, name, rest);
}

/**
 * Edit the message sent under `id`: Python's `send_update(message, id)`. Files go to a reply
 * in its thread; `append` adds to the message instead of replacing it.
 *
 * @example
 * ```ts
 * await notifyUser("nightly: running", { id: "nightly" });
 * await sendUpdate("nightly: done", { id: "nightly" });
 * ```
 * @throws {@link UsageError} when no message is known by the id; {@link ServerError} when it
 *   was deleted or lives on another server; else as {@link notify} does.
 */
export async function sendUpdate(message: string, options: UpdateOptions): Promise<Post> {
  checkMessage("sendUpdate", message);
  checkUpdate("sendUpdate", options);
  return (await awake()).sendUpdate(message, options);
}

/**
 * notifyUser's and notifyChannel's arguments: the recipient is the second argument, as in
 * Python (`notify_user(message, user_name)`), never an option.
 */
function checkCall(call: string, message: unknown, what: "user" | "channel", name: unknown, options: unknown): void {
  checkMessage(call, message);
  checkName(call, what, name);
  const where = `the ${what} as its second argument`;
  checkOptions(call, options as SendCallOptions | undefined, SEND_CALL_KEYS, {
    usage: `${call}(message, "${what === "user" ? "alice" : "town-square"}", { files, id })`,
    elsewhere: { [what]: where, [`${what}_name`]: where },
  });
}

/**
 * Write the hook of the message sent under `id` to a file, in the format of Mattermost Notify
 * (Python): Python's `export_hook`. Another process, or the CLI (`mmn update --hook FILE`), then
 * edits that message.
 *
 * @example
 * ```ts
 * await notifyUser("step 1", { id: "pipeline" });
 * await exportHook("pipeline", "pipeline.msg");
 * ```
 * @throws {@link UsageError} when no message is known by the id or the file cannot be written;
 *   {@link ConfigError} without a configuration.
 */
export async function exportHook(id: string, path: string): Promise<void> {
  await (await awake()).writeMessageHookToFile(id, path);
}

/**
 * Read a hook file (Mattermost Notify (Python)'s or mmn's) and remember its message under its
 * id: Python's `import_hook`. `sendUpdate` then edits that message.
 *
 * @example
 * ```ts
 * const hook = await importHook("pipeline.msg");
 * await sendUpdate("step 2", { id: hook.id });
 * ```
 * @throws {@link UsageError} when the file cannot be read or is no hook; {@link ConfigError}
 *   without a configuration.
 */
export async function importHook(path: string): Promise<MessageHook> {
  return (await awake()).readMessageHookFromFile(path);
}
