import { errorMessage, NetworkError, ServerError } from "../../base/errors.ts";

/** Where one of the end's messages stands: the reply that notifies, or the status post's final state. */
export type Delivery =
  | { state: "not-sent" }
  | { state: "sending" }
  | { state: "sent" }
  /** Kept in the outbox, the network failing: `mmn relay` delivers it. */
  | { state: "queued" }
  | { state: "failed"; error: unknown };

export interface EndReport {
  reply: Delivery;
  final: Delivery;
  /** What the reply went without (its files), and why. */
  missing?: string | undefined;
  /** The end's budget, for "no answer within". */
  seconds: number;
  /** Told at the deadline, with requests still on their way. */
  late: boolean;
}

/**
 * The one line the end says about what did not arrive, or undefined when all of it did. A
 * reply sent and not answered may have been made by a slow server: "not delivered" would be a guess.
 */
export function undelivered({ reply, final, missing, seconds, late }: EndReport): string | undefined {
  const kept = (delivery: Delivery) => delivery.state === "queued" || delivery.state === "sent";
  if (kept(reply) && kept(final) && (reply.state === "queued" || final.state === "queued")) return QUEUED;
  const why = (delivery: Delivery) =>
    delivery.state === "failed" ? errorMessage(delivery.error) : `no answer within ${seconds} s`;
  const parts: string[] = [];
  if (reply.state === "sending" || unanswered(reply))
    parts.push(`the outcome was sent, but no answer came within ${seconds} s: it may not have arrived`);
  else if (reply.state !== "sent" && final.state !== "sent") {
    const reason = reply.state === "failed" || !late ? why(reply) : "no answer";
    return `the outcome was not delivered: ${reason}${late ? ` (gave up after ${seconds} s)` : ""}`;
  } else if (reply.state !== "sent")
    parts.push(`the reply that notifies was not delivered: ${why(reply)} (the status message shows the outcome)`);
  if (reply.state === "sent" && missing) parts.push(missing);
  if (final.state !== "sent") parts.push(`the status message may still say "running": ${why(final)}`);
  return parts.length ? parts.join("; ") : undefined;
}

/** What the end says when what it could not deliver is kept in the outbox. */
const QUEUED = "queued: mmn relay on a node that reaches the server will deliver it";

/** The reply's request went out and its answer was cut off (by the deadline or the connection). */
function unanswered(reply: Delivery): boolean {
  const { error } = reply as { error?: unknown };
  return error instanceof NetworkError && error.reachedServer && error.request.path === "/posts";
}

/**
 * A proxy's page (status 200) or a token refused for a moment (an auth backend restarting) is
 * no verdict once the status post is out (the token worked): at the end, the reply and the
 * final edit are made again after a pause, while a second is left for them.
 */
export function passing(error: unknown, deadline: number): boolean {
  const odd = error instanceof ServerError && (error.status === 401 || error.status < 300);
  return odd && deadline - Date.now() > PAUSE_MS + 1000;
}

export const PAUSE_MS = 500;

/**
 * A moment's trouble passes within a few tries: a token refused for good must not hold the
 * job's allocation for the whole end (a minute after a normal exit, to outlast a rate limit).
 */
const MAX_AGAIN = 3;

/** The request, made again while `passing` says so, a few times at most. */
export async function persist<T>(deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (let again = 0; ; again++) {
    try {
      return await attempt();
    } catch (error) {
      if (again >= MAX_AGAIN || !passing(error, deadline)) throw error;
      await Bun.sleep(PAUSE_MS);
    }
  }
}
