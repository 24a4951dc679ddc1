import type { Post } from "@mattermost/types/posts";
import { isTransient, NetworkError, type ServerError } from "../base/errors.ts";
import type { Address, Call, Courier, EditParcel, PostParcel, PostRef, Sent } from "../client/courier.ts";
import type { UploadFile } from "../client/files.ts";
import type { Skipped } from "../client/posting.ts";
import type { PostPatch } from "../mattermost/endpoints.ts";
import { deliverEntries } from "./deliver.ts";
import { type EditEntry, isStandIn, type PostEntry, standIn } from "./entry.ts";
import type { Outbox } from "./store.ts";

export interface OutboxCourierOptions {
  server: string;
  /** `delivery=outbox`: never try the network, keep everything for `mmn relay`. */
  offline: boolean;
  /**
   * What the network fails now is kept (`mmn run`, delivery=outbox); otherwise it is an error,
   * and the outbox only carries what follows a post still in it (`mmn update` of a queued post).
   */
  keep?: boolean;
}

/**
 * The outbox in front of the direct courier: a parcel is delivered now; one that fails for a
 * reason of the network (no route, refused, reset, no answer, 5xx or 429 past the call's
 * budget) is kept, and the caller gets a stand-in post (`isQueued`) it can edit and answer
 * in the thread of: those edits and replies wait in the outbox behind it, in order. A
 * refusal (4xx) stays an error.
 */
export class OutboxCourier implements Courier {
  #flushing: Promise<void> = Promise.resolve();
  /** Why the last parcel was kept rather than sent: what the network said. */
  lastFailure: unknown;

  constructor(
    private readonly direct: Courier,
    private readonly outbox: Outbox,
    private readonly options: OutboxCourierOptions,
  ) {}

  get offline(): boolean {
    return this.options.offline;
  }

  async post(message: string, address: Address, parcel: PostParcel): Promise<Sent> {
    const rootId = address.rootId;
    const channelId = "channelId" in address ? address.channelId : undefined;
    let failure: unknown = (this.lastFailure = offline());
    if (!this.options.offline && !(rootId && (await this.#behind(rootId, parcel)))) {
      const real = await this.#resolve(
        [
          { id: rootId, as: "id" },
          { id: channelId, as: "channel_id" },
        ],
        parcel,
      );
      if (real) {
        const routed: Address =
          "to" in address
            ? { to: address.to, ...(rootId ? { rootId: real.get(`id:${rootId}`)! } : {}) }
            : { channelId: real.get(`channel_id:${address.channelId}`)!, rootId: real.get(`id:${address.rootId}`)! };
        try {
          return await this.direct.post(message, routed, roomy(parcel));
        } catch (error) {
          if (!queueable(error) || this.options.keep === false) throw error;
          failure = this.lastFailure = error;
        }
      }
    }
    const ref = standIn();
    const entry: PostEntry = {
      ...this.#head(),
      kind: "post",
      ref,
      ...("to" in address ? { to: address.to } : {}),
      ...(channelId ? { channelId } : {}),
      ...(rootId ? { rootId } : {}),
      message,
      ...(parcel.props ? { props: parcel.props } : {}),
      ...(parcel.fileIds?.length ? { fileIds: [...parcel.fileIds] } : {}),
      pendingPostId: parcel.pendingPostId ?? `mmn:${crypto.randomUUID()}`,
    };
    if (!(await this.outbox.put(entry, parcel.files ?? []))) throw failure;
    return { post: stand(ref, channelId ?? ref, rootId, message, parcel.props) };
  }

  async edit(post: PostRef, message: string, parcel: EditParcel): Promise<Sent> {
    const sent = await this.#edit(post, message, parcel, "edit");
    // An edit's files go to a reply in its thread, as the direct courier sends them.
    if (parcel.files?.length && isQueued(sent.post)) {
      const thread = { channelId: post.channelId, rootId: post.rootId || post.id };
      await this.post("", thread, { files: parcel.files, maxFileSize: parcel.maxFileSize });
    }
    return sent;
  }

  async patch(postId: string, patch: PostPatch, call: Call = {}): Promise<Post> {
    const message = patch.message ?? "";
    return (await this.#edit({ id: postId, channelId: "" }, message, { props: patch.props, ...call }, "patch")).post;
  }

  upload(channelId: string, files: UploadFile[], parcel: PostParcel): Promise<{ ids: string[]; skipped?: Skipped }> {
    if (this.options.offline || isStandIn(channelId)) return Promise.reject(offline());
    return this.direct.upload(channelId, files, parcel);
  }

  async #edit(post: PostRef, message: string, parcel: EditParcel, mode: "patch" | "edit"): Promise<Sent> {
    let failure: unknown = (this.lastFailure = offline());
    let target = post.id;
    if (!this.options.offline && !(await this.#behind(post.id, parcel))) {
      const real = await this.#resolve(
        [
          { id: post.id, as: "id" },
          { id: post.rootId, as: "id" },
          { id: post.channelId || undefined, as: "channel_id" },
        ],
        parcel,
      );
      if (real) {
        target = real.get(`id:${post.id}`) ?? post.id;
        const ref: PostRef = {
          id: target,
          channelId: real.get(`channel_id:${post.channelId}`) ?? post.channelId,
          rootId: post.rootId && (real.get(`id:${post.rootId}`) ?? post.rootId),
        };
        try {
          if (mode === "edit") return await this.direct.edit(ref, message, roomy(parcel));
          return { post: await this.direct.patch(target, { message, props: parcel.props }, roomy(parcel)) };
        } catch (error) {
          if (!queueable(error) || this.options.keep === false) throw error;
          if (parcel.ownRateLimit && (error as Partial<ServerError>).status === 429) throw error;
          failure = this.lastFailure = error;
        }
      }
    }
    const entry: EditEntry = {
      ...this.#head(),
      kind: "edit",
      target,
      ...(post.channelId ? { channelId: post.channelId } : {}),
      ...(post.rootId ? { rootId: post.rootId } : {}),
      mode,
      message,
      ...(parcel.props ? { props: parcel.props } : {}),
      ...(parcel.final ? { final: true } : {}),
    };
    if (!(await this.outbox.put(entry))) throw failure;
    return { post: stand(post.id, post.channelId || post.id, post.rootId, message, parcel.props) };
  }

  /**
   * Whether entries of this post still wait in this host's outbox after one try to send them:
   * then what follows waits behind them, or it would overtake them (a reply before the one
   * kept, a kept edit's older state last).
   */
  async #behind(chain: string, call: Call): Promise<boolean> {
    const waiting = async () => {
      const { host } = this.outbox;
      const listed = (await this.outbox.list([host])).some((e) => e.chain === chain);
      return listed || (await this.outbox.claims(host)).chains.has(chain);
    };
    // After this process's own delivery, whose entries are claimed (unlisted) meanwhile.
    await this.#flushing;
    if (!(await waiting())) return false;
    await this.#flush(call);
    return waiting();
  }

  /** This host's outbox tried, oldest first, a few entries at most; one delivery at a time in this process. */
  #flush(call: Call): Promise<void> {
    const hosts = [this.outbox.host];
    const { deadline } = roomy(call, FLUSH_KEEP);
    const run = this.#flushing.then(() =>
      deliverEntries(this.direct, this.outbox, { server: this.options.server, hosts, limit: 50, deadline }).then(
        () => {},
        () => {},
      ),
    );
    this.#flushing = run;
    return run;
  }

  #head() {
    return { v: 1 as const, key: crypto.randomUUID(), server: this.options.server, createdAt: Date.now() };
  }

  /**
   * The real ids of the stand-ins among `ids`, keyed `id:…` or `channel_id:…` (a channel's stand-in is that of the post that
   * will open it), the outbox tried first when one is not sent yet; undefined while one still
   * waits. Any other id maps to itself.
   */
  async #resolve(
    ids: { id: string | undefined; as: "id" | "channel_id" }[],
    call: Call,
  ): Promise<Map<string, string> | undefined> {
    const map = new Map<string, string>();
    let tried = false;
    for (const { id, as } of ids) {
      if (!id) continue;
      if (!isStandIn(id)) {
        map.set(`${as}:${id}`, id);
        continue;
      }
      let posted = await this.outbox.posted(id);
      if (!posted && !tried) {
        tried = true;
        // Older entries first: this host's outbox is tried in order.
        await this.#flush(call);
        posted = await this.outbox.posted(id);
      }
      if (!posted) return undefined;
      map.set(`${as}:${id}`, posted[as]);
    }
    return map;
  }
}

/** A post in the outbox, not on the server yet. */
export const isQueued = (post: Pick<Post, "id">): boolean => isStandIn(post.id);

/**
 * The call's deadline, less a moment to keep the parcel in when the network fails: the end of
 * a run stops waiting at its deadline, and a parcel kept after it would be kept too late.
 */
function roomy<T extends Call>(call: T, keep: Keep = { ms: KEEP_MS, share: 1 / 5 }): T {
  const { deadline } = call;
  if (!deadline) return call;
  const margin = Math.min(keep.ms, Math.max(0, deadline.at - performance.now()) * keep.share);
  const sooner = (at: number | undefined) => (at === undefined ? undefined : Math.min(at, deadline.at - margin));
  return {
    ...call,
    deadline: {
      at: deadline.at - margin,
      unansweredAt: sooner(deadline.unansweredAt),
      filesAt: sooner(deadline.filesAt),
    },
  };
}

/** What writing an entry may take, on a slow NFS home. */
const KEEP_MS = 500;

/**
 * The outbox tried before a parcel that must wait behind it leaves that parcel more: up to half
 * the call's time. Against a server that hangs, the try takes all it is given, and the parcel
 * is kept after it (a 0.4 s end once kept its reply too late on a loaded machine, with 80 ms).
 */
const FLUSH_KEEP: Keep = { ms: 2 * KEEP_MS, share: 1 / 2 };

/** The time kept back from a call's deadline: at most `ms`, and at most `share` of what is left. */
interface Keep {
  ms: number;
  share: number;
}

/**
 * What is kept for later is what the network failed: never a refusal. Uploads failing on a
 * server that was reached (a 5xx, a connection cut mid-upload) are the caller's to leave out:
 * the message goes now, without them. A server not reached at all keeps the files too.
 */
function queueable(error: unknown): boolean {
  if (!isTransient(error)) return false;
  const upload = (error as ServerError | NetworkError).request.path.startsWith("/files");
  return !upload || (error instanceof NetworkError && !error.reachedServer);
}

function offline(): NetworkError {
  return new NetworkError("delivery=outbox: no request is made from this node", {
    request: { method: "POST", path: "/posts" },
    reachedServer: false,
  });
}

function stand(
  id: string,
  channelId: string,
  rootId: string | undefined,
  message: string,
  props: Record<string, unknown> | undefined,
): Post {
  const now = Date.now();
  return {
    id,
    channel_id: channelId,
    root_id: rootId ?? "",
    message,
    props: props ?? {},
    create_at: now,
    update_at: now,
    edit_at: 0,
    delete_at: 0,
    is_pinned: false,
    user_id: "",
    original_id: "",
    type: "",
    hashtags: "",
    pending_post_id: "",
    reply_count: 0,
    metadata: {},
  } as unknown as Post;
}
