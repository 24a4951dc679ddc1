import type { Post } from "@mattermost/types/posts";
import type { Team } from "@mattermost/types/teams";
import type { UserProfile } from "@mattermost/types/users";
import { checkMessage, checkName, checkOptions, checkRecipient, checkUpdate } from "./arguments.ts";
import { AfterSendError, ConfigError, NetworkError, ServerError, UsageError } from "./base/errors.ts";
import { printable } from "./base/printable.ts";
import { chunk, type FileInput, MAX_FILES_PER_POST, prepareFiles, type UploadFile } from "./files.ts";
import { type HookStore, MemoryHookStore, type MessageHook, readHookFile, writeHookFile } from "./hooks.ts";
import { Api } from "./mattermost/api.ts";
import * as rest from "./mattermost/endpoints.ts";
import { MemoryNameCache } from "./names.ts";
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
import { Poster, type Skipped } from "./posting.ts";
import type { Recipient } from "./recipient.ts";
import { normalizeUrl } from "./server-url.ts";
import { MAX_MESSAGE_RUNES } from "./split.ts";
import { type Target, Targets } from "./targets.ts";

/** A connection to one Mattermost server as the token's user (usually a bot). */
export class Notify {
  readonly #api: Api;
  readonly hooks: HookStore;
  readonly #targets: Targets;
  readonly #poster: Poster;
  #defaultChannel: string | undefined;
  #limits: Promise<ServerLimits> | undefined;

  constructor(options: NotifyOptions) {
    // Python's team_name, dropped silently, would fail only at the first channel send.
    checkOptions("Notify", options, NOTIFY_KEYS, { kind: ConfigError, usage: "new Notify({ url, token, team })" });
    // As people write it (`chat.example.org`, a pasted …/api/v4): a ConfigError if it is no URL.
    this.#api = new Api({ ...options, url: normalizeUrl(options.url, "url") });
    this.hooks = options.hooks ?? new MemoryHookStore();
    this.#targets = new Targets(this.#api, options.names ?? new MemoryNameCache(), options.team);
    this.#poster = new Poster(this.#api, options.maxMessageRunes ?? MAX_MESSAGE_RUNES);
  }

  /** The token's own user: DMs are opened between it and the recipient. */
  me(): Promise<UserProfile> {
    return this.#targets.me();
  }

  /** Checks that a send to the user or channel would go through; sends and creates nothing. Returns its label. */
  checkRecipient(recipient: Recipient): Promise<string> {
    return this.#targets.check(recipient);
  }

  /**
   * Whether the server takes the token (Python's `test_connection`): false when it refuses it
   * or cannot be reached. `me()` says why.
   */
  async testConnection(): Promise<boolean> {
    try {
      await rest.getMe(this.#api);
      return true;
    } catch (error) {
      if (error instanceof ServerError || error instanceof NetworkError) return false;
      throw error;
    }
  }

  /** Whether a message was sent (or its hook imported) under this id: Python's `message_in_cache`. */
  async messageInCache(id: string): Promise<boolean> {
    return (await this.hooks.get(id)) !== undefined;
  }

  setDefaultChannel(channel: string): void {
    this.#defaultChannel = channel;
  }

  async sendToUser(message: string, user: string, options: SendOptions = {}): Promise<Post> {
    checkSend("sendToUser", message, "user", user, options);
    return this.#send(message, this.#targets.user(user), options);
  }

  async sendToChannel(message: string, channel?: string, options: SendOptions = {}): Promise<Post> {
    checkSend("sendToChannel", message, "channel", channel, options);
    const name = channel ?? this.#defaultChannel;
    if (!name) throw new UsageError("no channel given and no default channel set");
    return this.#send(message, this.#targets.channel(name), options);
  }

  /**
   * The Python package's `notify()`: a message id that is known edits its message (files go
   * to its thread); otherwise a new post, or a reply, remembered under the id. One process
   * at a time per id: fifty tasks sending `id` at once make one message, not fifty.
   */
  /**
   * The message known by this id, sent first if it is not yet: one post however many
   * processes ask at once (the tasks of an array on every node sharing $HOME share one board).
   */
  async once(
    id: string,
    message: string,
    options: { to: Recipient; props?: Record<string, unknown> },
  ): Promise<MessageHook> {
    checkMessage("once", message);
    checkOptions("once", options, { to: true, props: true });
    checkRecipient("once", options.to);
    return this.#locked(id, async () => {
      const known = await this.hooks.get(id);
      if (known) return known;
      const send = { id, ...(options.props ? { props: options.props } : {}) };
      if ("user" in options.to) await this.sendToUser(message, options.to.user, send);
      else await this.sendToChannel(message, options.to.channel, send);
      return (await this.hooks.get(id))!;
    });
  }

  async deliver(
    message: string,
    options: DeliverOptions,
  ): Promise<{ post: Post; action: "sent" | "updated" | "replied" }> {
    checkMessage("deliver", message);
    checkOptions("deliver", options, DELIVER_KEYS);
    checkRecipient("deliver", options.to);
    const { id, replyTo, to, files } = options;
    return this.#locked(id, async () => {
      if (id !== undefined && (await this.hooks.get(id))) {
        return {
          post: await this.#update(message, { id, ...(files ? { files } : {}) }),
          action: message.trim() ? "updated" : "replied",
        };
      }
      const send = { ...(files ? { files } : {}), ...(id !== undefined ? { id } : {}) };
      if (replyTo !== undefined) return { post: await this.reply(message, { to: replyTo, ...send }), action: "sent" };
      if (!to)
        throw new UsageError("no recipient: nobody to send to", {
          hint: "name a user or a channel (mmn: -u NAME or -c CHANNEL), or set a default one (mmn setup)",
        });
      const post =
        "user" in to
          ? await this.sendToUser(message, to.user, send)
          : await this.sendToChannel(message, to.channel, send);
      return { post, action: "sent" };
    });
  }

  /**
   * Edit the message. Files go to a reply in its thread (edits carry no files on older
   * servers); with files and no text, only that reply is posted and the text stays.
   * Edits of one id are made one at a time (`append` reads, then writes).
   */
  async sendUpdate(message: string, options: UpdateOptions): Promise<Post> {
    checkMessage("sendUpdate", message);
    checkUpdate("sendUpdate", options);
    return this.#locked(options.id, () => this.#update(message, options));
  }

  async #locked<T>(id: string | undefined, work: () => Promise<T>): Promise<T> {
    if (id === undefined || !this.hooks.lock) return work();
    const release = await this.hooks.lock(id);
    try {
      return await work();
    } finally {
      await release();
    }
  }

  async #update(message: string, options: UpdateOptions): Promise<Post> {
    const hook = await this.#hook(options.id);
    const files = await prepareFiles(options.files);
    requireContent(message, files);
    const rootId = hook.rootId || hook.postId;
    const maxFileSize = await this.#maxFileSizeFor(files);
    if (!message.trim()) {
      const sent = await this.#withPostContext(
        hook,
        this.#poster.post(hook.channelId, "", files, { rootId, maxFileSize, oversized: "skip" }),
        "answered",
      );
      return this.#delivered(sent);
    }
    let whole = message;
    if (options.append) {
      const current = await this.#withPostContext(hook, rest.getPost(this.#api, hook.postId));
      whole = current.message ? `${current.message}\n${message}` : message;
    }
    const { text, file } = this.#poster.fit(whole);
    // Uploads before the edit, so that a refused file leaves the message as it was.
    const { ids: fileIds, skipped } = await this.#poster.upload(hook.channelId, file ? [...files, file] : files, {
      maxFileSize: file ? await this.#maxFileSizeFor(files, whole) : maxFileSize,
      oversized: "skip",
    });
    const [first = "", ...more] = this.#poster.split(text);
    const patch: rest.PostPatch = { message: first };
    if (options.props) patch.props = options.props;
    const post = await this.#withPostContext(hook, rest.patchPost(this.#api, hook.postId, patch));
    // The thread's readers learn of a file left out too, not only the sender.
    const note = skipped ? [`_(${skipped.error.message})_`] : [];
    await this.#poster.followUps(hook.channelId, rootId, [...more, ...note], chunk(fileIds, MAX_FILES_PER_POST));
    return this.#delivered({ post, ...(skipped ? { skipped } : {}) });
  }

  /** A new post in the thread of a known message: unlike an edit, it notifies people. */
  async reply(message: string, options: ReplyOptions): Promise<Post> {
    checkMessage("reply", message);
    checkOptions("reply", options, REPLY_KEYS, { usage: 'reply(message, { to: "id-of-the-message" })' });
    if (typeof options.to !== "string")
      throw new UsageError("reply needs the id of the message to answer, as to", {
        hint: 'reply(message, { to: "id-of-the-message" })',
      });
    if (options.id !== undefined) requireId(options.id);
    const hook = await this.#hook(options.to);
    const files = await prepareFiles(options.files);
    requireContent(message, files);
    const maxFileSize = await this.#maxFileSizeFor(files);
    const reply = this.#poster.post(hook.channelId, message, files, {
      rootId: hook.rootId || hook.postId,
      props: options.props,
      maxFileSize,
      oversized: "skip",
    });
    const sent = await this.#withPostContext(hook, reply, "answered");
    if (options.id !== undefined) await this.#rememberSent(options.id, sent.post);
    return this.#delivered(sent);
  }

  /**
   * Files uploaded to the channel of the message known by `to`, on no post yet: a reply made
   * later, maybe by another process, carries them (`replyWithUploads`). An upload notifies no
   * one. A file the server finds too large is left out, and named in `skipped`.
   */
  async upload(to: string, files: FileInput[]): Promise<{ fileIds: string[]; skipped?: string[] }> {
    const hook = await this.#hook(to);
    const prepared = await prepareFiles(files);
    const maxFileSize = await this.#maxFileSizeFor(prepared);
    const { ids, skipped } = await this.#poster.upload(hook.channelId, prepared, { maxFileSize, oversized: "skip" });
    return { fileIds: ids, ...(skipped ? { skipped: skipped.files.map((file) => file.name) } : {}) };
  }

  /** A reply in the thread of the message known by `to` with files `upload` put there: one post, ten files at most. */
  async replyWithUploads(message: string, options: { to: string; fileIds: readonly string[] }): Promise<Post> {
    const hook = await this.#hook(options.to);
    const [first = "", ...more] = this.#poster.split(message);
    const post = rest.createPost(this.#api, {
      channel_id: hook.channelId,
      message: first,
      root_id: hook.rootId || hook.postId,
      ...(options.fileIds.length ? { file_ids: options.fileIds.slice(0, MAX_FILES_PER_POST) } : {}),
    });
    const sent = await this.#withPostContext(hook, post, "answered");
    await this.#poster.followUps(hook.channelId, hook.rootId || hook.postId, more, []);
    return sent;
  }

  /** What the server allows, asked once: `config/client`'s MaxFileSize (and version). */
  serverLimits(): Promise<ServerLimits> {
    this.#limits ??= rest.getClientConfig(this.#api).then(
      (config) => {
        const size = Number(config.MaxFileSize);
        return {
          ...(size > 0 ? { maxFileSize: size } : {}),
          ...(config.Version ? { version: printable(config.Version, 40) } : {}),
        };
      },
      (error: unknown) => {
        this.#limits = undefined;
        throw error;
      },
    );
    return this.#limits;
  }

  /** The server answers at all (`system/ping` needs no token: setup asks before it trusts a server with one). */
  async ping(): Promise<void> {
    await rest.ping(this.#api);
  }

  /** The teams the token's user is in, for setup to choose from. */
  teams(): Promise<Team[]> {
    return rest.getMyTeams(this.#api);
  }

  /** A team by its name, as its URL shows it. */
  team(name: string): Promise<Team> {
    return rest.getTeamByName(this.#api, name.toLowerCase());
  }

  /**
   * Edit a post this caller holds (by reference: a run keeps its status post, which another
   * run with the same id may have replaced in the hook store). Replaces message and props.
   */
  edit(post: Pick<Post, "id">, patch: { message: string; props?: Record<string, unknown> }): Promise<Post> {
    return rest.patchPost(this.#api, post.id, patch);
  }

  /**
   * From now on each request is repeated while the deadline (Date.now() time) allows: the end of a run, before
   * Slurm's SIGKILL. Requests for files stop at `filesBy`, so that the text still has time to go without them.
   */
  retryUntil(deadline: number, filesBy = deadline): void {
    this.#api.retryUntil(deadline, filesBy);
  }

  /**
   * Whether a post this caller holds is still there: an edit refused as if it were gone (a
   * proxy's 404) is no proof. False when the server says it is not (404, or 403 for a post
   * it will not show); any other failure is thrown.
   */
  async exists(post: Pick<Post, "id">): Promise<boolean> {
    try {
      await rest.getPost(this.#api, post.id);
      return true;
    } catch (error) {
      if (error instanceof ServerError && (error.status === 403 || error.status === 404)) return false;
      throw error;
    }
  }

  /** A post as the server has it now (what `mmn relay` looks at before it edits a status post). */
  post(post: Pick<Post, "id">): Promise<Post> {
    return rest.getPost(this.#api, post.id);
  }

  /** The server's root URL, as the requests use it. */
  get serverUrl(): string {
    return this.#api.serverUrl;
  }

  /** Only a send with files needs to know the limit: asked while the recipient is looked up. */
  async #maxFileSizeFor(files: readonly UploadFile[], message = ""): Promise<number | undefined> {
    // Not told: the server's 413 says it file by file instead.
    return files.length || this.#poster.isLong(message)
      ? (await this.serverLimits().catch((): ServerLimits => ({}))).maxFileSize
      : undefined;
  }

  /** A post is the answer; files left out make it a failure after the send, which names the post. */
  #delivered({ post, skipped }: { post: Post; skipped?: Skipped }): Post {
    if (skipped) throw new AfterSendError(post, skipped.error);
    return post;
  }

  async writeMessageHookToFile(id: string, path: string): Promise<void> {
    await writeHookFile(path, await this.#hook(id));
  }

  async readMessageHookFromFile(path: string): Promise<MessageHook> {
    const hook = await readHookFile(path);
    await this.hooks.set(hook);
    return hook;
  }

  async #hook(id: string): Promise<MessageHook> {
    const hook = await this.hooks.get(id);
    if (!hook) {
      throw new UsageError(`no message with id ${JSON.stringify(id)} is known`, {
        hint: "send one with this id first, or import its hook file",
      });
    }
    return hook;
  }

  async #send(message: string, target: Target, options: SendOptions): Promise<Post> {
    if (options.id !== undefined) requireId(options.id);
    const files = await prepareFiles(options.files);
    requireContent(message, files);
    const limit = this.#maxFileSizeFor(files, message);
    // Asked side by side with the recipient; a rejection is read where it is awaited.
    limit.catch(() => {});
    const sent = await this.#targets.deliver(target, async (channelId) =>
      this.#poster.post(channelId, message, files, {
        rootId: options.rootId,
        props: options.props,
        pendingPostId: options.pendingPostId,
        maxFileSize: await limit,
        oversized: options.oversized ?? "skip",
      }),
    );
    if (options.id !== undefined) await this.#rememberSent(options.id, sent.post);
    return this.#delivered(sent);
  }

  /** Keep a post's hook under an id, so that `sendUpdate` and `reply` find it. */
  async remember(id: string, post: Post): Promise<void> {
    requireId(id);
    await this.hooks.set({
      id,
      channelId: post.channel_id,
      postId: post.id,
      server: this.#api.serverUrl,
      ...(post.root_id ? { rootId: post.root_id } : {}),
      createdAt: new Date(post.create_at || Date.now()).toISOString(),
    });
  }

  async #rememberSent(id: string, post: Post): Promise<void> {
    try {
      await this.remember(id, post);
    } catch (error) {
      throw new AfterSendError(post, error);
    }
  }

  /** A request about a known message; the server's refusal told as what it means for that message. */
  async #withPostContext<T>(
    hook: MessageHook,
    request: Promise<T>,
    doing: "edited" | "answered" = "edited",
  ): Promise<T> {
    try {
      return await request;
    } catch (error) {
      // An edit of a missing post is 403/404; a reply to one, 400 with this id.
      const gone =
        error instanceof ServerError &&
        (error.status === 403 || error.status === 404 || error.serverId === "api.post.create_post.root_id.app_error");
      if (gone) {
        const elsewhere = hook.server && hook.server !== this.#api.serverUrl;
        throw error.rephrase(
          `message ${JSON.stringify(hook.id)} (post ${hook.postId}) cannot be ${doing}: ${error.message}`,
          elsewhere
            ? `it was sent through ${hook.server}, and this client talks to ${this.#api.serverUrl}`
            : "it was deleted, lives on another server, or the bot lost access to its channel",
        );
      }
      throw error;
    }
  }
}

/** What sendToUser and sendToChannel are given, checked before the recipient is looked up. */
function checkSend(call: string, message: unknown, what: "user" | "channel", name: unknown, options: unknown): void {
  checkMessage(call, message);
  checkName(call, what, name);
  checkOptions(call, options as SendOptions | undefined, SEND_KEYS);
}

/** Nothing to say is a mistake: an empty post would still notify, an empty edit blank the message. */
function requireContent(message: string, files: readonly UploadFile[]): void {
  if (!message.trim() && files.length === 0) throw new UsageError("the message is empty and no file is attached");
}

/**
 * An id is any name the caller likes, as in the Python package: only a hook store on disk
 * needs one that can name a file (the CLI checks its ids before it sends).
 */
function requireId(id: string): void {
  if (!id) throw new UsageError("the message id is empty");
}
