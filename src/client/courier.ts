/**
 * The one seam every post, edit and reply goes through. The client decides what to say and
 * where (the known-id rule, hooks, locks); a Courier carries it to the server. Each call takes
 * everything it needs as values (the recipient by name, the thread by ids, files as checked
 * paths, the post's deduplication key, the call's deadline), so that another courier can be
 * put in front of this one (an outbox: deliver now, or keep it for later) without touching the
 * callers.
 */
import type { Post } from "@mattermost/types/posts";
import { AfterSendError } from "../base/errors.ts";
import type { SendOptions } from "../library/notify-options.ts";
import type { Api, Deadline } from "../mattermost/api.ts";
import * as rest from "../mattermost/endpoints.ts";
import { chunk, MAX_FILES_PER_POST, type UploadFile } from "./files.ts";
import { type Oversized, Poster, type Skipped } from "./posting.ts";
import type { Recipient } from "./recipient.ts";
import type { Targets } from "./targets.ts";

/**
 * Where a new post goes: to a user or channel by name (in a thread there, with `rootId`), or
 * into a thread whose ids are known.
 */
export type Address = { to: Recipient; rootId?: string } | { channelId: string; rootId: string };

/** A post that exists: enough to edit it or answer in its thread. */
export interface PostRef {
  id: string;
  channelId: string;
  /** The thread it is in, when it is a reply. */
  rootId?: string | undefined;
}

export interface Call {
  /** The caller's deadline for this call (the end of a run); the client's few tries otherwise. */
  deadline?: Deadline | undefined;
  /** The end's word on a post (its final state): an outbox short of room never drops it. */
  final?: boolean | undefined;
  /** A 429 is the caller's to answer (a run's live edit slows down): thrown, not kept in the outbox. */
  ownRateLimit?: boolean | undefined;
}

/** What a client's send takes: the caller's options, its deadline, and a priority for a root post. */
export type SendCall = SendOptions & Call & { priority?: rest.PostPriority | undefined };

export interface PostParcel extends Call {
  files?: UploadFile[];
  /** Already uploaded to the channel (`upload`), carried by this post. */
  fileIds?: readonly string[];
  props?: Record<string, unknown> | undefined;
  /** The server's deduplication key: the same on every attempt of one message. */
  pendingPostId?: string | undefined;
  oversized?: Oversized;
  /** The server's MaxFileSize, when known: a larger file is not even sent. */
  maxFileSize?: number | undefined;
  /** Message priority (a root post only), where the server allows it. */
  priority?: rest.PostPriority | undefined;
}

export interface EditParcel extends Call {
  props?: Record<string, unknown> | undefined;
  /** Go to a reply in the post's thread: edits carry no files on older servers. */
  files?: UploadFile[];
  maxFileSize?: number | undefined;
}

/** What a delivery made: the post, and the files the server would not take. */
export interface Sent {
  post: Post;
  skipped?: Skipped;
}

export interface Courier {
  /** A new post; a long text's rest and files past ten follow in its thread. */
  post(message: string, address: Address, parcel: PostParcel): Promise<Sent>;
  /** The post's message (split as a post's) and props replaced; files go to a reply in its thread. */
  edit(post: PostRef, message: string, parcel: EditParcel): Promise<Sent>;
  /** The post's message and props replaced exactly as given (a status post the caller keeps). */
  patch(postId: string, patch: rest.PostPatch, call?: Call): Promise<Post>;
  /** Files put in a channel on no post yet, for a post that carries them later. */
  upload(channelId: string, files: UploadFile[], parcel: PostParcel): Promise<{ ids: string[]; skipped?: Skipped }>;
  /**
   * The post made since `since` (ms) at this address whose props carry `mmn_outbox: key`: a
   * post an earlier attempt may have made, looked up before it is sent again.
   */
  find?(address: Address, key: string, since: number, call?: Call): Promise<Post | undefined>;
}

/** Delivers at once, over the REST API: a long message split, files uploaded first. */
export class DirectCourier implements Courier {
  readonly #poster: Poster;

  constructor(
    private readonly api: Api,
    private readonly targets: Targets,
    maxRunes: number,
  ) {
    this.#poster = new Poster(api, maxRunes);
  }

  async post(message: string, address: Address, parcel: PostParcel): Promise<Sent> {
    const { deadline } = parcel;
    const options = { ...parcel, oversized: parcel.oversized ?? "skip" };
    if ("to" in address) {
      const target = this.targets.of(address.to);
      const post = (channelId: string) =>
        this.#poster.post(channelId, message, files(parcel), { ...options, rootId: address.rootId });
      return this.targets.deliver(target, post, deadline);
    }
    if (parcel.fileIds) return { post: await this.#withUploads(message, address, parcel.fileIds, deadline) };
    return this.#poster.post(address.channelId, message, files(parcel), { ...options, rootId: address.rootId });
  }

  async edit(post: PostRef, message: string, parcel: EditParcel): Promise<Sent> {
    const { deadline } = parcel;
    const rootId = post.rootId || post.id;
    const { text, file } = this.#poster.fit(message);
    // Uploads before the edit, so that a refused file leaves the message as it was.
    const { ids, skipped } = await this.#poster.upload(
      post.channelId,
      file ? [...files(parcel), file] : files(parcel),
      {
        maxFileSize: parcel.maxFileSize,
        oversized: "skip",
        deadline,
      },
    );
    const [first = "", ...more] = this.#poster.split(text);
    const patch: rest.PostPatch = { message: first };
    if (parcel.props) patch.props = parcel.props;
    const edited = await rest.patchPost(this.api, post.id, patch, deadline);
    // The thread's readers learn of a file left out too, not only the sender.
    const note = skipped ? [`_(${skipped.error.message})_`] : [];
    await this.#poster.followUps(post.channelId, rootId, [...more, ...note], chunk(ids, MAX_FILES_PER_POST), deadline);
    return { post: edited, ...(skipped ? { skipped } : {}) };
  }

  patch(postId: string, patch: rest.PostPatch, call: Call = {}): Promise<Post> {
    return rest.patchPost(this.api, postId, patch, call.deadline);
  }

  upload(channelId: string, files: UploadFile[], parcel: PostParcel): Promise<{ ids: string[]; skipped?: Skipped }> {
    return this.#poster.upload(channelId, files, {
      maxFileSize: parcel.maxFileSize,
      oversized: "skip",
      deadline: parcel.deadline,
    });
  }

  async find(address: Address, key: string, since: number, call: Call = {}): Promise<Post | undefined> {
    const look = async (channelId: string) => {
      const { posts = {} } = await rest.getPostsSince(this.api, channelId, since, call.deadline);
      return Object.values(posts).find((post) => post.props?.mmn_outbox === key);
    };
    return "to" in address
      ? this.targets.deliver(this.targets.of(address.to), look, call.deadline)
      : look(address.channelId);
  }

  /** One post with the files `upload` put in the channel, ten at most; a long text's rest in the thread. */
  async #withUploads(
    message: string,
    thread: { channelId: string; rootId: string },
    fileIds: readonly string[],
    deadline: Deadline | undefined,
  ): Promise<Post> {
    const [first = "", ...more] = this.#poster.split(message);
    const post = await rest.createPost(
      this.api,
      {
        channel_id: thread.channelId,
        message: first,
        root_id: thread.rootId,
        ...(fileIds.length ? { file_ids: fileIds.slice(0, MAX_FILES_PER_POST) } : {}),
      },
      deadline,
    );
    await this.#poster.followUps(thread.channelId, thread.rootId, more, [], deadline);
    return post;
  }
}

const files = (parcel: { files?: UploadFile[] }): UploadFile[] => parcel.files ?? [];

/** A post is the answer; files left out make it a failure after the send, which names the post. */
export function delivered({ post, skipped }: Sent): Post {
  if (skipped) throw new AfterSendError(post, skipped.error);
  return post;
}
