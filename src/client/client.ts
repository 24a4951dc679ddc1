import type { Post } from "@mattermost/types/posts";
import type { Team } from "@mattermost/types/teams";
import type { UserProfile } from "@mattermost/types/users";
import { UsageError } from "../base/errors.ts";
import { normalizeUrl } from "../config/server-url.ts";
import type { FindHook, MessageHook } from "../hooks/hook-file.ts";
import { type HookStore, MemoryHookStore } from "../hooks/hooks.ts";
import type { NotifyOptions, ServerLimits, UpdateOptions } from "../library/notify-options.ts";
import { Api } from "../mattermost/api.ts";
import * as rest from "../mattermost/endpoints.ts";
import type { OutboxDelivery } from "../outbox/delivery.ts";
import { requireContent, requireId } from "./checks.ts";
import { type Call, delivered, type SendCall } from "./courier.ts";
import { type ClientDelivery, Delivery } from "./delivery.ts";
import { type FileInput, prepareFiles, type UploadFile } from "./files.ts";
import { KnownPosts, refOf, threadOf } from "./known-posts.ts";
import { MemoryNameCache } from "./names.ts";
import { PanelReads } from "./panel-reads.ts";
import { isLongMessage } from "./posting.ts";
import type { Recipient } from "./recipient.ts";
import { AskedLimits } from "./server-limits.ts";
import { MAX_MESSAGE_RUNES } from "./split.ts";
import { Targets } from "./targets.ts";
import { type WebhookCourier, webhookCannot } from "./webhook-courier.ts";

/**
 * What the CLI, the wrapper and the relay stand on: one server, as the token's user; every post, edit and reply
 * goes through its one Courier. `Notify`, the library's face over it, checks a caller's arguments; ours are not.
 */
export class Client {
  readonly #api: Api;
  readonly hooks: HookStore;
  readonly #targets: Targets;
  readonly #delivery: Delivery;
  readonly #maxRunes: number;
  readonly #known: KnownPosts;
  /** The incoming webhook it posts through, if any: new posts only, no ids, files, edits or replies. */
  readonly webhook: WebhookCourier | undefined;
  readonly panel: PanelReads;
  readonly #limits: AskedLimits;

  constructor(options: NotifyOptions, delivery: ClientDelivery = {}) {
    // As people write it (`chat.example.org`, a pasted …/api/v4): a ConfigError if it is no URL.
    this.#api = new Api({ ...options, url: normalizeUrl(options.url, "url") });
    this.hooks = options.hooks ?? new MemoryHookStore();
    this.#targets = new Targets(this.#api, options.names ?? new MemoryNameCache(), options.team);
    this.#maxRunes = options.maxMessageRunes ?? MAX_MESSAGE_RUNES;
    this.#limits = new AskedLimits(this.#api);
    this.#delivery = new Delivery(this.#api, this.#targets, this.#maxRunes, options.webhook, delivery);
    this.webhook = this.#delivery.webhook;
    this.#known = new KnownPosts(this.hooks, this.#api);
    this.panel = new PanelReads(this.#api, this.#targets);
  }

  /** What the network fails is kept here for `mmn relay`, once the client has an outbox. */
  get outbox(): OutboxDelivery | undefined {
    return this.#delivery.outbox;
  }

  /** The server's root URL, as the requests use it. */
  get serverUrl(): string {
    return this.#api.serverUrl;
  }

  me(): Promise<UserProfile> {
    if (this.webhook) return Promise.reject(webhookCannot("tell who it posts as"));
    return this.#targets.me();
  }

  checkRecipient(recipient: Recipient): Promise<string> {
    if (this.webhook) return Promise.reject(webhookCannot("check a recipient without posting"));
    return this.#targets.check(recipient);
  }

  /** The server answers at all (`system/ping` needs no token: setup asks before it trusts a server with one). */
  async ping(): Promise<void> {
    await rest.ping(this.#api);
  }

  /** The token is taken: `users/me`. */
  async checkToken(): Promise<void> {
    await rest.getMe(this.#api);
  }

  /** The teams the token's user is in, for setup to choose from. */
  teams(): Promise<Team[]> {
    return rest.getMyTeams(this.#api);
  }

  /** A team by its name, as its URL shows it. */
  team(name: string): Promise<Team> {
    return rest.getTeamByName(this.#api, name.toLowerCase());
  }

  /** What the server allows, asked once: `config/client`'s MaxFileSize (and version). */
  serverLimits(call: Call = {}): Promise<ServerLimits> {
    if (this.outbox?.offline || this.webhook) return Promise.resolve({});
    return this.#limits.get(call.deadline);
  }

  /** A new message to a user or a channel, resolved once; remembered under `id` when one is given. */
  async send(message: string, to: Recipient, options: SendCall = {}): Promise<Post> {
    if (this.webhook) return this.webhook.message(message, to, options);
    if (options.id !== undefined) requireId(options.id);
    // The name is checked before the files are: a mistake in either sends nothing.
    this.#targets.of(to);
    const files = await prepareFiles(options.files);
    requireContent(message, files);
    const limit = this.#maxFileSizeFor(files, message, options);
    // Asked side by side with the recipient; a rejection is read where it is awaited.
    limit.catch(() => {});
    const address = options.rootId ? { to, rootId: options.rootId } : { to };
    const sent = await this.#delivery.courier.post(message, address, {
      files,
      props: options.props,
      pendingPostId: options.pendingPostId,
      maxFileSize: await limit,
      oversized: options.oversized ?? "skip",
      priority: options.priority,
      deadline: options.deadline,
    });
    if (options.id !== undefined) await this.#known.rememberSent(options.id, sent.post);
    return delivered(sent);
  }

  /**
   * The message known by this id, sent first if it is not yet (`sent` then, under the lock), or `existing`'s (a post
   * made elsewhere: a watch's board); one post however many processes ask at once (an array's tasks share one board).
   */
  async once(
    id: string,
    message: string,
    options: { to: Recipient; props?: Record<string, unknown>; existing?: FindHook; sent?: () => Promise<void> } & Call,
  ): Promise<MessageHook> {
    return this.#known.locked(id, async () => {
      const known = (await this.hooks.get(id)) ?? (await options.existing?.());
      if (known) return known;
      const { to, props, deadline, sent } = options;
      await this.send(message, to, { id, ...(props ? { props } : {}), deadline }).then(sent);
      return (await this.hooks.get(id))!;
    });
  }

  /**
   * The Python package's `notify()` rule: a message id that is known edits its message (files
   * go to its thread); otherwise a new post, or a reply, remembered under the id. One process
   * at a time per id: fifty tasks sending `id` at once make one message, not fifty.
   */
  async deliver(
    message: string,
    options: {
      to?: Recipient | undefined;
      id?: string | undefined;
      replyTo?: string | undefined;
      files?: FileInput | readonly FileInput[];
    },
  ): Promise<{ post: Post; action: "sent" | "updated" | "replied" }> {
    const { id, replyTo, to, files } = options;
    if (this.webhook && replyTo !== undefined) throw webhookCannot("reply in a thread");
    if (this.webhook) return { post: await this.webhook.message(message, to, { files, id }), action: "sent" };
    return this.#known.locked(id, async () => {
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
      return { post: await this.send(message, to, send), action: "sent" };
    });
  }

  /** Edits of one id are made one at a time (`append` reads, then writes). */
  sendUpdate(message: string, options: UpdateOptions): Promise<Post> {
    return this.#known.locked(options.id, () => this.#update(message, options));
  }

  async #update(message: string, options: UpdateOptions): Promise<Post> {
    const hook = await this.#known.hook(options.id);
    const files = await prepareFiles(options.files);
    requireContent(message, files);
    const post = refOf(hook);
    const maxFileSize = await this.#maxFileSizeFor(files);
    if (!message.trim()) {
      const thread = { channelId: post.channelId, rootId: post.rootId || post.id };
      const reply = this.#delivery.courier.post("", thread, { files, maxFileSize, oversized: "skip" });
      return delivered(await this.#known.about(hook, reply, "answered"));
    }
    let whole = message;
    if (options.append) {
      const current = await this.#known.about(hook, rest.getPost(this.#api, hook.postId));
      whole = current.message ? `${current.message}\n${message}` : message;
    }
    const long = isLongMessage(whole, this.#maxRunes);
    const edit = this.#delivery.courier.edit(post, whole, {
      files,
      props: options.props,
      maxFileSize: long ? await this.#maxFileSizeFor(files, whole) : maxFileSize,
    });
    return delivered(await this.#known.about(hook, edit));
  }

  /** A new post in the thread of a known message: unlike an edit, it notifies people. */
  async reply(
    message: string,
    options: {
      to: string;
      id?: string | undefined;
      files?: FileInput | readonly FileInput[];
      props?: Record<string, unknown>;
    },
  ): Promise<Post> {
    if (options.id !== undefined) requireId(options.id);
    const hook = await this.#known.hook(options.to);
    const files = await prepareFiles(options.files);
    requireContent(message, files);
    const maxFileSize = await this.#maxFileSizeFor(files);
    const reply = this.#delivery.courier.post(message, threadOf(hook), {
      files,
      props: options.props,
      maxFileSize,
      oversized: "skip",
    });
    const sent = await this.#known.about(hook, reply, "answered");
    if (options.id !== undefined) await this.#known.rememberSent(options.id, sent.post);
    return delivered(sent);
  }

  /**
   * Files uploaded to the channel of the message known by `to`, on no post yet: a reply made
   * later, maybe by another process, carries them (`replyWithUploads`). An upload notifies no
   * one. A file the server finds too large is left out, and named in `skipped`.
   */
  async upload(to: string, files: FileInput[], call: Call = {}): Promise<{ fileIds: string[]; skipped?: string[] }> {
    const hook = await this.#known.hook(to);
    const prepared = await prepareFiles(files);
    const maxFileSize = await this.#maxFileSizeFor(prepared, "", call);
    const { ids, skipped } = await this.#delivery.courier.upload(hook.channelId, prepared, { maxFileSize, ...call });
    return { fileIds: ids, ...(skipped ? { skipped: skipped.files.map((file) => file.name) } : {}) };
  }

  /** A reply in the thread of the message known by `to` with files `upload` put there: one post, ten files at most. */
  async replyWithUploads(message: string, options: { to: string; fileIds: readonly string[] } & Call): Promise<Post> {
    const hook = await this.#known.hook(options.to);
    const reply = this.#delivery.courier.post(message, threadOf(hook), {
      fileIds: options.fileIds,
      deadline: options.deadline,
    });
    return (await this.#known.about(hook, reply, "answered")).post;
  }

  /**
   * Edit a post this caller holds (by reference: a run keeps its status post, which another
   * run with the same id may have replaced in the hook store). Replaces message and props.
   */
  edit(
    post: Pick<Post, "id">,
    patch: { message: string; props?: Record<string, unknown> },
    call: Call = {},
  ): Promise<Post> {
    return this.#delivery.courier.patch(post.id, patch, call);
  }

  /**
   * Whether a post this caller holds is still there (an edit's 404 may be a proxy's): false when the
   * server says it is not (404, or 403 for a post it will not show); any other failure is thrown.
   */
  exists(post: Pick<Post, "id">, call: Call = {}): Promise<boolean> {
    return this.#known.exists(post.id, call.deadline);
  }

  /** A post as the server has it now (what `mmn relay` looks at before it edits a status post). */
  post(ref: Pick<Post, "id">, call: Call = {}): Promise<Post> {
    return rest.getPost(this.#api, ref.id, call.deadline);
  }

  /** Keep a post's hook under an id, so that `sendUpdate` and `reply` find it. */
  remember(id: string, post: Post): Promise<void> {
    requireId(id);
    return this.#known.remember(id, post);
  }

  /** The hook of a message known by this id; a UsageError when there is none. */
  hook(id: string): Promise<MessageHook> {
    return this.#known.hook(id);
  }

  /** Only a send with files needs to know the limit: asked while the recipient is looked up. */
  async #maxFileSizeFor(files: readonly UploadFile[], message = "", call: Call = {}): Promise<number | undefined> {
    // Not told: the server's 413 says it file by file instead.
    return files.length || isLongMessage(message, this.#maxRunes)
      ? (await this.serverLimits(call).catch((): ServerLimits => ({}))).maxFileSize
      : undefined;
  }
}
