/**
 * One attempt of one request, and nothing more: the URL, the headers and one fetch; what to
 * repeat, when, and for how long is decided outside (retry.ts), from the typed error an
 * attempt throws (octokit's request.js and plugin-retry split it this way). Plain fetch, not
 * ofetch: with its retry, timeout, parsing and redirects all turned off, ofetch only joined
 * the URL and the headers, and loading it (with ufo and destr) cost every send 0.45-0.5 ms
 * (README: Dependencies).
 */
import { ConfigError, type RequestInfo, UsageError } from "../base/errors.ts";
import { withoutTrailingSlashes } from "../base/url-text.ts";
import { USER_AGENT } from "../base/version.ts";
import { readBody, UnreadableReply } from "./body.ts";
import { networkError, redirectError, serverError, unexpectedReply } from "./failure.ts";
import { UploadSourceError } from "./multipart.ts";
import { checkProxy } from "./proxy.ts";
import type { Shape } from "./shapes.ts";
import { checkToken } from "./token.ts";
import { type WebhookUrl, webhookOf, withoutHookKeys } from "./webhook-url.ts";

export interface TransportOptions {
  /** Server root, e.g. `https://chat.example.org` (no `/api/v4`). */
  url: string;
  token: string;
  userAgent?: string;
  /** HTTP(S) proxy URL; Bun also honours HTTPS_PROXY and friends on its own. */
  proxy?: string;
  /** PEM text of extra CA certificates to trust. */
  ca?: string;
  /** An incoming webhook's URL: an attempt with `hook` goes there. Its key is as secret as the token. */
  webhook?: string | undefined;
}

export interface Attempt {
  info: RequestInfo;
  /** Serialised once, for every attempt. */
  json?: string;
  /** Called per attempt: a stream body cannot be sent twice. */
  stream?: () => { body: ReadableStream<Uint8Array>; headers: Record<string, string> };
  query?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  shape?: Shape | undefined;
  /** To the incoming webhook instead of `info.path` (which then says `/hooks/…`). */
  hook?: boolean | undefined;
}

/** Mattermost's answers are small (a team list of hundreds is ~1 MiB); an endless one must not fill the memory. */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;
/** An error answer is shown in one line of 200 characters: more is never needed. */
const MAX_ERROR_BYTES = 64 * 1024;

export class Transport {
  readonly serverUrl: string;
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #runtime: Record<string, unknown>;
  readonly #options: TransportOptions;
  readonly #hook: WebhookUrl | undefined;

  constructor(options: TransportOptions) {
    // Node's fetch takes neither: silently going direct, or distrusting the server, is worse.
    if (!("Bun" in globalThis) && (options.ca || options.proxy)) {
      throw new ConfigError(`the ${options.ca ? "ca" : "proxy"} option needs Bun: Node's fetch has none`, {
        hint: options.ca
          ? "under Node, start it with NODE_EXTRA_CA_CERTS=FILE instead"
          : "run it under Bun, or use the mmn binary",
      });
    }
    if (options.proxy) checkProxy(options.proxy);
    if (options.token) checkToken(options.token);
    this.#options = options;
    this.#hook = webhookOf(options.webhook);
    this.serverUrl = withoutTrailingSlashes(options.url);
    this.#base = `${this.serverUrl}/api/v4`;
    this.#headers = {
      // No token, no header: setup pings a server before it trusts it with one.
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      "user-agent": options.userAgent ?? USER_AGENT,
      "x-requested-with": "XMLHttpRequest",
      // Mattermost's answers are small: compression saves little, and a bomb costs a lot (decode.ts).
      "accept-encoding": "identity",
    };
    this.#runtime = runtimeOptions(options);
  }

  /**
   * The answer's data, or a ServerError, NetworkError, ConfigError (a redirect) or UsageError (a file that
   * changed).
   */
  async attempt(attempt: Attempt): Promise<{ status: number; data: unknown }> {
    const { info } = attempt;
    // Node takes whole milliseconds only (a RangeError otherwise); an upload's allowance is computed.
    const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(attempt.timeoutMs)));
    const signal = attempt.signal ? AbortSignal.any([attempt.signal, timeout]) : timeout;
    const made = attempt.stream?.();
    let response: Response;
    let data: unknown;
    try {
      const target = attempt.hook && this.#hook ? this.#hook.url : info.path;
      // The webhook's is absolute; the API's paths are below its base.
      const url = new URL(target.startsWith("/") ? `${this.#base}${target}` : target);
      for (const [key, value] of Object.entries(attempt.query ?? {})) url.searchParams.set(key, value);
      response = await fetch(url, {
        method: info.method,
        signal,
        // A redirect drops the Authorization header (a 401 for a good token), loops, or takes the body elsewhere.
        redirect: "manual",
        headers: {
          ...this.#headers,
          ...made?.headers,
          ...(attempt.json !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(made ? { body: made.body, duplex: "half" } : {}),
        ...(attempt.json !== undefined ? { body: attempt.json } : {}),
        ...this.#runtime,
      } as RequestInit);
      if (response.status >= 300 && response.status < 400)
        throw redirectError(this.#clean, info, response, this.serverUrl);
      data = await readBody(response, response.ok ? MAX_REPLY_BYTES : MAX_ERROR_BYTES);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      const causes = causeChain(error);
      const changed = causes.find((e) => e instanceof UploadSourceError);
      // Repeating would send the same changed file again: the caller's input is what failed.
      if (changed) throw new UsageError(`cannot attach ${changed.message}`, { cause: changed });
      if (error instanceof UnreadableReply) throw unexpectedReply(this.#clean, info, error.status, error.message);
      // Node's fetch wraps the system's error: the one with a code says what happened.
      const cause = causes.find((e) => typeof (e as { code?: unknown }).code === "string") ?? causes.at(-1);
      const timedOut = timeout.aborted && !attempt.signal?.aborted;
      throw await networkError(this.#clean, info, {
        cause,
        timedOut,
        timeoutMs: attempt.timeoutMs,
        url: this.serverUrl,
        proxy: this.#options.proxy,
      });
    }
    if (!response.ok) throw serverError(this.#clean, info, response, data);
    const wrong = attempt.shape?.(data);
    if (wrong) throw unexpectedReply(this.#clean, info, response.status, wrong);
    return { status: response.status, data };
  }

  /** Anything shown: the token and a webhook's key left out, wherever a server or a proxy echoed them. */
  readonly #clean = (text: string): string => {
    const token = this.#options.token;
    const clean = token && token.length >= 4 ? text.split(token).join("[redacted]") : text;
    return this.#hook ? withoutHookKeys(clean.split(this.#hook.key).join("[redacted]")) : clean;
  };
}

/**
 * Bun's fetch options: said here, NODE_TLS_REJECT_UNAUTHORIZED=0 in a job's environment cannot hand the token to
 * whoever answers.
 */
function runtimeOptions(options: TransportOptions): Record<string, unknown> {
  if (!("Bun" in globalThis)) return {};
  return {
    tls: { rejectUnauthorized: true, ...(options.ca ? { ca: options.ca } : {}) },
    decompress: false,
    ...(options.proxy ? { proxy: options.proxy } : {}),
  };
}

function causeChain(error: unknown): unknown[] {
  const chain = [error];
  for (let e = error; chain.length < 5 && (e as { cause?: unknown } | undefined)?.cause !== undefined; ) {
    e = (e as { cause: unknown }).cause;
    chain.push(e);
  }
  return chain;
}
