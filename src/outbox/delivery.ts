import type { Courier } from "../client/courier.ts";
import { OutboxCourier, type OutboxCourierOptions } from "./courier.ts";
import type { Outbox } from "./store.ts";

/** A client's outbox: the courier in front of the direct one, and what `deliverOutbox` sends through. */
export class OutboxDelivery {
  readonly courier: OutboxCourier;

  constructor(
    readonly direct: Courier,
    readonly store: Outbox,
    options: OutboxCourierOptions,
  ) {
    this.courier = new OutboxCourier(direct, store, options);
  }

  /** delivery=outbox: no request is made, everything is kept for `mmn relay`. */
  get offline(): boolean {
    return this.courier.offline;
  }
}
