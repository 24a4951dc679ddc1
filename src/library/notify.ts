import type { Post } from "@mattermost/types/posts";
import type { UserProfile } from "@mattermost/types/users";
import { ConfigError, NetworkError, ServerError, UsageError } from "../base/errors.ts";
import { Client } from "../client/client.ts";
import type { Recipient } from "../client/recipient.ts";
import { type MessageHook, readHookFile, writeHookFile } from "../hooks/hook-file.ts";
import { checkMessage, checkName, checkOptions, checkRecipient, checkUpdate } from "./arguments.ts";
import {
  DELIVER_KEYS,
  type DeliverOptions,
  NOTIFY_KEYS,
  type NotifyOptions,
  REPLY_KEYS,
  type ReplyOptions,
  SEND_KEYS,
  type SendOptions,
  type ServerLimits,
  type UpdateOptions,
} from "./notify-options.ts";

/**
 * A connection to one Mattermost server as the token's user (usually a bot): the Python
 * package's `Notify` class. Nothing is asked of the server until the first call.
 *
 * @example
 * ```ts
 * const client = new Notify({ url: "https://chat.example.org", token, team: "research" });
 * await client.sendToUser("training done", "alice", { files: ["loss.png"], id: "train" });
 * await client.sendUpdate("training done: 0.93", { id: "train" });
 * ```
 */
export class Notify {
  readonly #client: Client;
  #defaultChannel: string | undefined;

  /**
   * @param options - the server (`url`), the `token`, the `team` of channels named by name, and
   *   optionally where hooks and resolved names are kept and how requests are timed.
   * @throws {@link ConfigError} when an option is unknown (Python's `team_name` among them) or
   *   the URL is no URL.
   */
  constructor(options: NotifyOptions) {
    // Python's team_name, dropped silently, would fail only at the first channel send.
    checkOptions("Notify", options, NOTIFY_KEYS, { kind: ConfigError, usage: "new Notify({ url, token, team })" });
    this.#client = new Client(options);
  }

  /**
   * The token's own user: direct messages are opened between it and the recipient.
   *
   * @example
   * ```ts
   * const { username } = await client.me();
   * ```
   * @throws {@link ServerError} when the server refuses the token (status 401), {@link NetworkError}
   *   when it cannot be reached.
   */
  me(): Promise<UserProfile> {
    return this.#client.me();
  }

  /**
   * Checks that a message to the user or channel would go through, and sends and creates
   * nothing: the user exists; the channel exists and the token's user is a member of it.
   * Returns how the recipient is written (`@alice`, `~town-square`).
   *
   * @example
   * ```ts
   * await client.checkRecipient({ channel: "town-square" }); // "~town-square"
   * ```
   * @throws {@link ServerError} when the user or channel is not there or the bot may not post
   *   in it; {@link ConfigError} for a personal token's own user, whom Mattermost never notifies;
   *   {@link UsageError} for a name that is no name.
   */
  checkRecipient(recipient: Recipient): Promise<string> {
    checkRecipient("checkRecipient", recipient);
    if (!recipient) throw new UsageError("checkRecipient needs { user } or { channel }");
    return this.#client.checkRecipient(recipient);
  }

  /**
   * Whether the server takes the token (Python's `test_connection`): false when it refuses it
   * or cannot be reached. `me()` says why.
   *
   * @example
   * ```ts
   * if (!(await client.testConnection())) console.error("cannot reach Mattermost");
   * ```
   * @throws only what is not the server's or the network's answer (a bug); those are `false`.
   */
  async testConnection(): Promise<boolean> {
    try {
      await this.#client.checkToken();
      return true;
    } catch (error) {
      if (error instanceof ServerError || error instanceof NetworkError) return false;
      throw error;
    }
  }

  /**
   * Whether a message was sent (or its hook imported) under this id: Python's `message_in_cache`.
   *
   * @example
   * ```ts
   * if (await client.messageInCache("nightly")) await client.sendUpdate("done", { id: "nightly" });
   * ```
   * @throws what the hook store throws (a {@link DirectoryHookStore} refuses an id that cannot
   *   name a file, a {@link UsageError}).
   */
  async messageInCache(id: string): Promise<boolean> {
    return (await this.#client.hooks.get(id)) !== undefined;
  }

  /**
   * The channel `sendToChannel` uses when none is named: Python's `set_default_channel`.
   *
   * @example
   * ```ts
   * client.setDefaultChannel("town-square");
   * await client.sendToChannel("deploy finished");
   * ```
   * @throws {@link UsageError} when the name is not a string.
   */
  setDefaultChannel(channel: string): void {
    checkName("setDefaultChannel", "channel", channel);
    this.#defaultChannel = channel;
  }

  /**
   * A new message to a user (a direct message) or a channel: the one way the others go.
   * Files go on its post (ten a post, more in its thread); a text longer than a post
   * continues in its thread.
   *
   * @example
   * ```ts
   * await client.send("deploy finished", { channel: "ops" }, { files: ["deploy.log"] });
   * ```
   * @throws {@link UsageError} for a bad argument, an empty message without files, a file that
   *   cannot be read (nothing is sent); {@link ConfigError} for a channel without a team;
   *   {@link ServerError} or {@link NetworkError} when the server refuses or cannot be reached;
   *   {@link AfterSendError} when the post went out but a file was left out or its hook not kept.
   */
  async send(message: string, to: Recipient, options: SendOptions = {}): Promise<Post> {
    checkMessage("send", message);
    checkRecipient("send", to);
    if (!to)
      throw new UsageError("send needs a recipient", { hint: 'send(message, { user: "alice" }, { files, id })' });
    checkOptions("send", options, SEND_KEYS);
    return this.#client.send(message, to, options);
  }

  /**
   * A direct message to a user: Python's `send_to_user`.
   *
   * @example
   * ```ts
   * await client.sendToUser("Hello World!", "alice", { files: ["plot.png"], id: "my-test-message" });
   * ```
   * @throws as {@link Notify.send} does.
   */
  async sendToUser(message: string, user: string, options: SendOptions = {}): Promise<Post> {
    checkSend("sendToUser", message, "user", user, options);
    return this.#client.send(message, { user }, options);
  }

  /**
   * A post in a channel of the client's team (`team/channel` for another), or in the default
   * channel (`setDefaultChannel`) when none is named: Python's `send_to_channel`.
   *
   * @example
   * ```ts
   * await client.sendToChannel("Hello!", "town-square", { files: ["/path/to/file"] });
   * ```
   * @throws {@link UsageError} when no channel is named and none is set; else as {@link Notify.send} does.
   */
  async sendToChannel(message: string, channel?: string, options: SendOptions = {}): Promise<Post> {
    checkSend("sendToChannel", message, "channel", channel, options);
    const name = channel ?? this.#defaultChannel;
    if (!name) throw new UsageError("no channel given and no default channel set");
    return this.#client.send(message, { channel: name }, options);
  }

  /**
   * The Python package's `notify()` rule on a client: a message id that is known edits its
   * message (files go to its thread); otherwise a new post to `to`, or a reply in the thread of
   * `replyTo`, remembered under the id. One caller at a time per id, with a hook store that
   * locks (the CLI's on disk): fifty tasks sending `id` at once make one message.
   *
   * @example
   * ```ts
   * const { post, action } = await client.deliver("step 3 done", { to: { user: "alice" }, id: "pipeline" });
   * ```
   * @throws {@link UsageError} when there is nobody to send to; else as {@link Notify.send} does.
   */
  async deliver(
    message: string,
    options: DeliverOptions,
  ): Promise<{ post: Post; action: "sent" | "updated" | "replied" }> {
    checkMessage("deliver", message);
    checkOptions("deliver", options, DELIVER_KEYS);
    checkRecipient("deliver", options.to);
    return this.#client.deliver(message, options);
  }

  /**
   * Edit the message sent under `id`: Python's `send_update`. Files go to a reply in its
   * thread (edits carry no files on older servers); with files and no text, only that reply is
   * posted and the text stays. Edits of one id are made one at a time (`append` reads, then writes).
   *
   * @example
   * ```ts
   * await client.sendUpdate("Hello World! (updated)", { id: "my-test-message" });
   * await client.sendUpdate("step 3 done", { id: "my-test-message", append: true });
   * ```
   * @throws {@link UsageError} when no message is known by the id; {@link ServerError} when it
   *   was deleted or lives on another server; else as {@link Notify.send} does.
   */
  async sendUpdate(message: string, options: UpdateOptions): Promise<Post> {
    checkMessage("sendUpdate", message);
    checkUpdate("sendUpdate", options);
    return this.#client.sendUpdate(message, options);
  }

  /**
   * A new post in the thread of the message known by `to`: unlike an edit, it notifies people.
   *
   * @example
   * ```ts
   * await client.reply("details", { to: "my-test-message", files: ["report.pdf"] });
   * ```
   * @throws {@link UsageError} when no message is known by `to`; else as {@link Notify.sendUpdate} does.
   */
  async reply(message: string, options: ReplyOptions): Promise<Post> {
    checkMessage("reply", message);
    checkOptions("reply", options, REPLY_KEYS, { usage: 'reply(message, { to: "id-of-the-message" })' });
    if (typeof options.to !== "string")
      throw new UsageError("reply needs the id of the message to answer, as to", {
        hint: 'reply(message, { to: "id-of-the-message" })',
      });
    return this.#client.reply(message, options);
  }

  /**
   * What the server allows, asked once: `config/client`'s MaxFileSize, and its version.
   *
   * @example
   * ```ts
   * const { maxFileSize } = await client.serverLimits();
   * ```
   * @throws {@link ServerError} or {@link NetworkError} when the server cannot tell (asked again next time).
   */
  serverLimits(): Promise<ServerLimits> {
    return this.#client.serverLimits();
  }

  /**
   * Write the hook of the message sent under `id` to a file, in the Python package's format:
   * Python's `write_message_hook_to_file` (and `export_hook`).
   *
   * @example
   * ```ts
   * await client.writeMessageHookToFile("my-test-message", "my-test-message.msg");
   * ```
   * @throws {@link UsageError} when no message is known by the id, or the file cannot be written
   *   (another user's symlink, a FIFO, a directory that is not there).
   */
  async writeMessageHookToFile(id: string, path: string): Promise<void> {
    await writeHookFile(path, await this.#client.hook(id));
  }

  /**
   * Read a hook file (the Python package's or mmn's) and remember its message under its id,
   * so that `sendUpdate` and `reply` find it: Python's `read_message_hook_from_file` (and `import_hook`).
   *
   * @example
   * ```ts
   * const hook = await client.readMessageHookFromFile("my-test-message.msg");
   * await client.sendUpdate("from another machine", { id: hook.id });
   * ```
   * @throws {@link UsageError} when the file cannot be read or is no hook (too large, another
   *   user's, not in the format).
   */
  async readMessageHookFromFile(path: string): Promise<MessageHook> {
    const hook = await readHookFile(path);
    await this.#client.hooks.set(hook);
    return hook;
  }
}

/** What sendToUser and sendToChannel are given, checked before the recipient is looked up. */
function checkSend(call: string, message: unknown, what: "user" | "channel", name: unknown, options: unknown): void {
  checkMessage(call, message);
  checkName(call, what, name);
  checkOptions(call, options as SendOptions | undefined, SEND_KEYS);
}
