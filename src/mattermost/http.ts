import { ConfigError, NetworkError, ServerError, redact, type RequestInfo } from "../errors.ts";
import { USER_AGENT } from "../version.ts";
import { hintFor } from "./hints.ts";
import { describeCause, isCertificateError, isRefused, safeHost } from "./failure.ts";
import { checkProxy, proxyFor, redactCredentials } from "./proxy.ts";
import { retryDelay, sleep } from "./retry.ts";

export interface ApiOptions {
  /** Server root, e.g. `https://chat.example.org` (no `/api/v4`). */
  url: string;
  token: string;
  /** Limit of one attempt, in milliseconds. */
  timeoutMs?: number;
  /** Attempts after the first one, for failures a repeat can fix. */
  retries?: number;
  /** Longest wait for a rate limit to reset before giving up, in milliseconds. */
  maxRetryWaitMs?: number;
  userAgent?: string;
  /** HTTP(S) proxy URL; Bun also honours HTTPS_PROXY and friends on its own. */
  proxy?: string;
  /** PEM text of extra CA certificates to trust. */
  ca?: string;
  /** Called before each repeat, so a caller can tell the user why it waits. */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string; request: RequestInfo }) => void;
  /** Called after each attempt with its outcome (status 0: no answer), for `--verbose`. */
  onAttempt?: (info: { request: RequestInfo; status: number; ms: number }) => void;
}

export interface RequestOptions {
  body?: unknown;
  /** Called per attempt: a stream body cannot be sent twice. */
  bodyFactory?: () => { body: ReadableStream<Uint8Array>; headers: Record<string, string> };
  query?: Record<string, string>;
  /**
   * Whether repeating the request after it may have reached the server is harmless.
   * GET and PUT are; a POST is only where the endpoint deduplicates (e.g. `pending_post_id`).
   */
  idempotent?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The error body of Mattermost's REST API (model.AppError). */
interface AppErrorBody {
  id?: string;
  message?: string;
  detailed_error?: string;
  request_id?: string;
  status_code?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_RETRIES = 3;
const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;

/**
 * The one place that talks HTTP to Mattermost. Endpoint functions sit on top of `request`.
 * Plain `fetch`, not ofetch: timeouts, retries and errors are ours anyway, and ofetch cost
 * ~3 ms of a 36 ms `mmn send` (its evaluation and per-request work, measured).
 */
export class Api {
  readonly baseUrl: string;
  readonly #options: ApiOptions;

  constructor(options: ApiOptions) {
    // Node's fetch takes neither: silently going direct, or distrusting the server, is worse.
    if (!("Bun" in globalThis) && (options.ca || options.proxy)) {
      throw new ConfigError(`the ${options.ca ? "ca" : "proxy"} option needs Bun: Node's fetch has none`, {
        hint: options.ca ? "under Node, start it with NODE_EXTRA_CA_CERTS=FILE instead" : "run it under Bun, or use the mmn binary",
      });
    }
    if (options.proxy) checkProxy(options.proxy);
    this.#options = options;
    this.baseUrl = `${options.url.replace(/\/+$/, "")}/api/v4`;
  }

  get serverUrl(): string {
    return this.#options.url.replace(/\/+$/, "");
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const info: RequestInfo = { method, path };
    const retries = this.#options.retries ?? DEFAULT_RETRIES;
    const idempotent = options.idempotent ?? method !== "POST";
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const outcome = await this.#attempt(info, options);
      const status = outcome.ok ? outcome.status : (outcome.status ?? 0);
      this.#options.onAttempt?.({ request: info, status, ms: performance.now() - started });
      if (outcome.ok) return outcome.data as T;
      const delay = retryDelay(outcome, { attempt, retries, idempotent, maxWaitMs: this.#maxWait });
      if (delay === undefined || options.signal?.aborted) throw outcome.error;
      this.#options.onRetry?.({ attempt: attempt + 1, waitMs: delay, reason: outcome.error.message, request: info });
      await sleep(delay, options.signal);
    }
  }

  get #maxWait(): number {
    return this.#options.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
  }

  async #attempt(info: RequestInfo, options: RequestOptions): Promise<AttemptOutcome> {
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Node takes whole milliseconds only (a RangeError otherwise); an upload's allowance is computed.
    const timeout = AbortSignal.timeout(Math.ceil(timeoutMs));
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      // No token, no header: setup pings a server before it trusts it with one.
      ...(this.#options.token ? { authorization: `Bearer ${this.#options.token}` } : {}),
      "user-agent": this.#options.userAgent ?? USER_AGENT,
      "x-requested-with": "XMLHttpRequest",
    };
    let body: string | ReadableStream<Uint8Array> | undefined;
    if (options.bodyFactory) {
      const made = options.bodyFactory();
      body = made.body;
      Object.assign(headers, made.headers);
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const query = options.query ? `?${new URLSearchParams(options.query)}` : "";
    let response: Response;
    let data: unknown;
    try {
      response = await fetch(this.baseUrl + info.path + query, {
        method: info.method,
        headers,
        body,
        signal,
        // Node's fetch sends a stream body only when told it is one-way.
        ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
        ...this.#runtimeOptions(),
      });
      data = await readBody(response);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      const timedOut = timeout.aborted && !options.signal?.aborted;
      // An untrusted certificate stays untrusted: repeating cannot help.
      const final = isCertificateError(cause);
      return { ok: false, error: this.#networkError(info, cause, timedOut, timeoutMs), reachedServer: !isRefused(cause), ...(final ? { final } : {}) };
    }
    if (response.ok) return { ok: true, data, status: response.status };
    return {
      ok: false,
      error: this.#serverError(info, response, data),
      reachedServer: true,
      status: response.status,
      retryAfterMs: retryAfterMs(response.headers),
    };
  }

  #runtimeOptions(): Record<string, unknown> {
    const extra: Record<string, unknown> = {};
    if (this.#options.proxy) extra.proxy = this.#options.proxy;
    if (this.#options.ca) extra.tls = { ca: this.#options.ca };
    return extra;
  }

  /** A 401 is the configured token being wrong: a configuration error, whatever the call. */
  #serverError(info: RequestInfo, response: Response, data: unknown): ServerError | ConfigError {
    const body: AppErrorBody = data && typeof data === "object" ? (data as AppErrorBody) : {};
    const text = body.message ?? (typeof data === "string" && data.trim() ? plainText(data) : response.statusText);
    if (response.status === 401) {
      return new ConfigError(this.#clean(`the server rejected the token: ${text || "unauthorized"} (HTTP 401)`), {
        hint: hintFor(401, body.id),
      });
    }
    return new ServerError(this.#clean(`${text || "request failed"} (HTTP ${response.status})`), {
      status: response.status,
      serverId: body.id,
      requestId: body.request_id ?? response.headers.get("x-request-id") ?? undefined,
      request: info,
      hint: hintFor(response.status, body.id),
    });
  }

  #networkError(info: RequestInfo, cause: unknown, timedOut: boolean, timeoutMs: number): NetworkError {
    const host = safeHost(this.baseUrl);
    const reason = timedOut ? `no answer within ${Math.round(timeoutMs / 100) / 10} s` : describeCause(cause);
    // A refused or unknown proxy looks to fetch like a refused or unknown server: say which it was.
    const proxy = proxyFor(this.baseUrl, this.#options.proxy);
    const via = proxy ? ` through the proxy ${safeHost(proxy)}` : "";
    const hint = timedOut
      ? undefined
      : isCertificateError(cause)
        ? "give the CA bundle that signed it (PEM) as ca= in the configuration or MMN_CA"
        : proxy
          ? `check the proxy ${redactCredentials(proxy)} (proxy=, MMN_PROXY, HTTPS_PROXY…) or leave the server out of it with NO_PROXY`
          : "check the URL and your network; behind a proxy, set HTTPS_PROXY or proxy=";
    return new NetworkError(this.#clean(`could not reach ${host}${via}: ${reason}`), { request: info, cause, ...(hint ? { hint } : {}) });
  }

  #clean(text: string): string {
    return redact(text, [this.#options.token]);
  }
}

export type AttemptOutcome =
  | { ok: true; data: unknown; status: number }
  | { ok: false; error: ServerError | NetworkError | ConfigError; reachedServer: boolean; status?: number; retryAfterMs?: number; final?: true };

/** A proxy's error page as one short line: its text without tags, at most 200 characters. */
function plainText(body: string): string {
  const text = body.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** Mattermost answers JSON; a proxy in between may answer HTML or plain text. */
async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Mattermost's limiter says both when the next request may go (Retry-After) and when the
 * whole burst is back (X-Ratelimit-Reset, longer): the first is the wait.
 */
function retryAfterMs(headers: Headers): number | undefined {
  for (const name of ["retry-after", "x-ratelimit-reset"]) {
    const value = Number(headers.get(name));
    if (headers.has(name) && Number.isFinite(value) && value >= 0) return value * 1000;
  }
  return undefined;
}
