import type { Post } from "@mattermost/types/posts";
import { ConfigError } from "../base/errors.ts";
import type { Api } from "../mattermost/api.ts";
import type { PostPatch } from "../mattermost/endpoints.ts";
import { OutboxDelivery } from "../outbox/delivery.ts";
import type { Outbox } from "../outbox/store.ts";
import {
  type Address,
  type Call,
  type Courier,
  DirectCourier,
  type EditParcel,
  type PostParcel,
  type PostRef,
  type Sent,
} from "./courier.ts";
import type { UploadFile } from "./files.ts";
import type { Skipped } from "./posting.ts";
import type { Targets } from "./targets.ts";
import { WebhookCourier } from "./webhook-courier.ts";

/** Where a client keeps what it cannot deliver, and when it keeps it. */
export interface ClientDelivery {
  /**
   * The outbox, or how to find it when a parcel first needs it: finding it costs a read of the
   * host's name, which a send that keeps nothing saves.
   */
  outbox?: Outbox | (() => Promise<Outbox>) | undefined;
  /** delivery=outbox: nothing is even tried, all is kept in the outbox. */
  offline?: boolean;
  /** What the network fails is kept; otherwise it is an error, and the outbox only carries what follows a post still in it. */
  keep?: boolean;
}

/**
 * The courier a client sends through: an incoming webhook's when one is configured, else the
 * direct one, behind the outbox when the client has one (or once a parcel needs it).
 */
export class Delivery {
  readonly courier: Courier;
  /** The incoming webhook it posts through, if any: new posts only, no ids, files, edits or replies. */
  readonly webhook: WebhookCourier | undefined;
  #outbox: OutboxDelivery | undefined;

  constructor(api: Api, targets: Targets, maxRunes: number, webhook: string | undefined, delivery: ClientDelivery) {
    const { outbox, offline = false, keep = true } = delivery;
    if (webhook) {
      // A webhook's post cannot be looked up or edited later: what the outbox promises needs a token.
      if (offline)
        throw new ConfigError("delivery=outbox needs a bot's token: a webhook's posts cannot be followed up");
      this.courier = this.webhook = new WebhookCourier(api, maxRunes);
      return;
    }
    const direct = new DirectCourier(api, targets, maxRunes);
    const server = api.serverUrl;
    const open = (store: Outbox) => new OutboxDelivery(direct, store, { server, offline, keep });
    if (typeof outbox !== "function") {
      this.#outbox = outbox && open(outbox);
      this.courier = this.#outbox?.courier ?? direct;
      return;
    }
    let opening: Promise<Courier> | undefined;
    const outboxCourier = () => {
      opening ??= outbox().then((found) => (this.#outbox = open(found)).courier);
      return opening;
    };
    this.courier = new OnDemand(direct, outboxCourier, !offline && !keep);
  }

  /** The outbox, once the client has one: from the start, or since a parcel needed it. */
  get outbox(): OutboxDelivery | undefined {
    return this.#outbox;
  }
}

/**
 * The outbox found at the first parcel that may need it. A client that keeps nothing sends a
 * new post straight, as the outbox would (no post of it can be waiting there); an edit, a
 * reply or an upload may follow a post still kept (a stand-in's id) or wait behind its kept
 * edits, and goes through the outbox.
 */
class OnDemand implements Courier {
  constructor(
    private readonly direct: Courier,
    private readonly outbox: () => Promise<Courier>,
    private readonly newPostsStraight: boolean,
  ) {}

  async post(message: string, address: Address, parcel: PostParcel): Promise<Sent> {
    if (this.newPostsStraight && "to" in address && !address.rootId) return this.direct.post(message, address, parcel);
    return (await this.outbox()).post(message, address, parcel);
  }

  async edit(post: PostRef, message: string, parcel: EditParcel): Promise<Sent> {
    return (await this.outbox()).edit(post, message, parcel);
  }

  async patch(postId: string, patch: PostPatch, call?: Call): Promise<Post> {
    return (await this.outbox()).patch(postId, patch, call);
  }

  async upload(
    channelId: string,
    files: UploadFile[],
    parcel: PostParcel,
  ): Promise<{ ids: string[]; skipped?: Skipped }> {
    return (await this.outbox()).upload(channelId, files, parcel);
  }
}
