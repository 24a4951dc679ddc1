import { ConfigError, NetworkError, ServerError, UsageError, redact, type RequestInfo } from "../errors.ts";
import { USER_AGENT } from "../version.ts";
import { hintFor } from "./hints.ts";
import { describeCause, isCertificateError, isRefused, safeHost } from "./failure.ts";
import { checkProxy, proxyFor, redactCredentials } from "./proxy.ts";
import { UploadSourceError } from "./multipart.ts";
import { retryDelay, sleep } from "./retry.ts";
import type { Shape } from "./shapes.ts";
import { printable } from "../printable.ts";

export interface ApiOptions {
  /** Server root, e.g. `https://chat.example.org` (no `/api/v4`). */
  url: string;
  token: string;
  /** Limit of one attempt, in milliseconds. */
  timeoutMs?: number;
  /**
   * Limit of a request with all its repeats (default 20 s): a server that never answers holds
   * a send no longer. An upload gets at least the time its size needs.
   */
  totalTimeoutMs?: number;
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
  /** What a successful answer must look like; anything else is an unexpected reply. */
  shape?: Shape;
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
const DEFAULT_TOTAL_TIMEOUT_MS = 20_000;
const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;
/** Mattermost's answers are small (a team list of hundreds is ~1 MiB); an endless one must not fill the memory. */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;
/** An error answer is shown in one line of 200 characters: more is never needed. */
const MAX_ERROR_BYTES = 64 * 1024;

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
    const deadline = performance.now() + Math.max(this.#options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS, options.timeoutMs ?? 0);
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const outcome = await this.#attempt(info, options, deadline - started);
      const status = outcome.ok ? outcome.status : (outcome.status ?? 0);
      this.#options.onAttempt?.({ request: info, status, ms: performance.now() - started });
      if (outcome.ok) return outcome.data as T;
      const delay = retryDelay(outcome, { attempt, retries, idempotent, maxWaitMs: Math.min(this.#maxWait, deadline - performance.now()) });
      if (delay === undefined || options.signal?.aborted || performance.now() + delay >= deadline) throw outcome.error;
      this.#options.onRetry?.({ attempt: attempt + 1, waitMs: delay, reason: outcome.error.message, request: info });
      await sleep(delay, options.signal);
    }
  }

  get #maxWait(): number {
    return this.#options.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
  }

  async #attempt(info: RequestInfo, options: RequestOptions, leftMs: number): Promise<AttemptOutcome> {
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS, leftMs));
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
        // A redirect drops the Authorization header (a 401 for a good token), loops, or takes the body elsewhere.
        redirect: "manual",
        ...this.#runtimeOptions(),
      });
      if (response.status >= 300 && response.status < 400) return { ok: false, error: this.#redirectError(info, response), reachedServer: true, status: response.status, final: true };
      data = await readBody(response, response.ok ? MAX_REPLY_BYTES : MAX_ERROR_BYTES);
    } catch (error) {
      const changed = [error, (error as { cause?: unknown }).cause].find((e) => e instanceof UploadSourceError);
      // Repeating would send the same changed file again: the caller's input is what failed.
      if (changed) return { ok: false, error: new UsageError(`cannot attach ${changed.message}`), reachedServer: true, final: true };
      if (error instanceof ReplyTooLarge) return { ok: false, error: this.#unexpected(info, error.status, error.message), reachedServer: true, status: error.status, final: true };
      const cause = (error as { cause?: unknown }).cause ?? error;
      const timedOut = timeout.aborted && !options.signal?.aborted;
      // An untrusted certificate stays untrusted: repeating cannot help.
      const final = isCertificateError(cause);
      return { ok: false, error: this.#networkError(info, cause, timedOut, timeoutMs), reachedServer: !isRefused(cause), ...(final ? { final } : {}) };
    }
    if (response.ok) {
      const wrong = options.shape?.(data);
      if (wrong) return { ok: false, error: this.#unexpected(info, response.status, wrong), reachedServer: true, status: response.status, final: true };
      return { ok: true, data, status: response.status };
    }
    return {
      ok: false,
      error: this.#serverError(info, response, data),
      reachedServer: true,
      status: response.status,
      retryAfterMs: retryAfterMs(response.headers),
    };
  }

  #runtimeOptions(): Record<string, unknown> {
    if (!("Bun" in globalThis)) return {};
    // Said here, NODE_TLS_REJECT_UNAUTHORIZED=0 in a job's environment cannot hand the token to whoever answers.
    const extra: Record<string, unknown> = { tls: { rejectUnauthorized: true, ...(this.#options.ca ? { ca: this.#options.ca } : {}) } };
    if (this.#options.proxy) extra.proxy = this.#options.proxy;
    return extra;
  }

  /** Where the server sends us instead, as the URL to configure: following it is not ours to decide. */
  #redirectError(info: RequestInfo, response: Response): ConfigError {
    const location = response.headers.get("location");
    let target: string | undefined;
    try {
      const url = new URL(location ?? "", this.baseUrl + info.path);
      url.search = "";
      const api = url.pathname.indexOf("/api/v4/");
      if (api >= 0) url.pathname = url.pathname.slice(0, api);
      target = url.toString().replace(/\/+$/, "");
    } catch {
      target = undefined;
    }
    const where = target ? printable(target) : "another address";
    return new ConfigError(`the server redirects to ${where} (HTTP ${response.status})`, {
      hint: target ? `set url=${where} in the configuration (or MMN_URL)` : "check the server URL in the configuration",
    });
  }

  /** A 2xx that is not what the call answers, or an answer without end. */
  #unexpected(info: RequestInfo, status: number, why: string): ServerError {
    return new ServerError(this.#clean(`unexpected reply from the server (HTTP ${status}): ${why}`), {
      status,
      request: info,
      hint: "is the URL a Mattermost server, and not a proxy's or a login page?",
    });
  }

  /** A 401 is the configured token being wrong: a configuration error, whatever the call. */
  #serverError(info: RequestInfo, response: Response, data: unknown): ServerError | ConfigError {
    const body: AppErrorBody = data && typeof data === "object" ? (data as AppErrorBody) : {};
    const raw = typeof body.message === "string" ? body.message : typeof data === "string" && data.trim() ? stripTags(data) : response.statusText;
    const text = printable(raw);
    if (response.status === 401) {
      return new ConfigError(this.#clean(`the server rejected the token: ${text || "unauthorized"} (HTTP 401)`), {
        hint: hintFor(401, body.id),
      });
    }
    return new ServerError(this.#clean(`${text || "request failed"} (HTTP ${response.status})`), {
      status: response.status,
      serverId: typeof body.id === "string" ? printable(body.id, 100) : undefined,
      requestId: printable(String(body.request_id ?? response.headers.get("x-request-id") ?? ""), 100) || undefined,
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
  | { ok: false; error: ServerError | NetworkError | ConfigError | UsageError; reachedServer: boolean; status?: number; retryAfterMs?: number; final?: true };

/** A proxy's error page: its text without tags. */
function stripTags(body: string): string {
  return body.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " ");
}

/** The start of an error answer cut at the bound: its `message` when it has one, else its text. */
function cutMessage(text: string): AppErrorBody | string {
  const quoted = /"message"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(text)?.[1];
  if (quoted === undefined) return text;
  try {
    return { message: JSON.parse(`"${quoted.replace(/\\$/, "")}"`) as string };
  } catch {
    return { message: quoted };
  }
}

class ReplyTooLarge extends Error {
  constructor(
    readonly status: number,
    limit: number,
  ) {
    super(`its answer is larger than ${limit / 1024 / 1024} MiB`);
  }
}

/** Mattermost answers JSON; a proxy in between may answer HTML or plain text. At most `limit` bytes are taken. */
async function readBody(response: Response, limit: number): Promise<unknown> {
  const reader = response.body?.getReader();
  if (!reader) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      // An error page only needs its start; a reply cut short is no reply.
      if (!response.ok) {
        chunks.push(value.subarray(0, value.length - (size - limit)));
        return cutMessage(new TextDecoder().decode(Buffer.concat(chunks)));
      }
      throw new ReplyTooLarge(response.status, limit);
    }
    chunks.push(value);
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks));
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
