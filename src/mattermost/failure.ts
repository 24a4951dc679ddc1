/** A failed attempt told as a user reads it: what the server said, or what the request ran into. */
import { ConfigError, errorMessage, NetworkError, type RequestInfo, ServerError } from "../base/errors.ts";
import { printable } from "../base/printable.ts";
import { hintFor } from "./hints.ts";
import { proxyFor, redactCredentials } from "./proxy.ts";

/** Takes the token out of a text before it is shown. */
type Clean = (text: string) => string;

/** The error body of Mattermost's REST API (model.AppError). */
interface AppErrorBody {
  id?: unknown;
  message?: unknown;
  request_id?: unknown;
}

export function serverError(clean: Clean, info: RequestInfo, response: Response, data: unknown): ServerError {
  const body: AppErrorBody = data && typeof data === "object" ? (data as AppErrorBody) : {};
  const raw =
    typeof body.message === "string"
      ? body.message
      : typeof data === "string" && data.trim()
        ? stripTags(data)
        : response.statusText;
  const text = printable(raw);
  const serverId = typeof body.id === "string" ? printable(body.id, 100) : undefined;
  const message =
    response.status === 401
      ? `the server rejected the token: ${text || "unauthorized"} (HTTP 401)`
      : `${text || "request failed"} (HTTP ${response.status})`;
  const limit = rateLimitOf(response.status, response.headers);
  return new ServerError(clean(message), {
    status: response.status,
    serverId,
    requestId: printable(String(body.request_id ?? response.headers.get("x-request-id") ?? ""), 100) || undefined,
    request: info,
    hint: hintFor(response.status, serverId, limit.retryAfterMs),
    ...limit,
  });
}

/** A 2xx that is not what the call answers, or an answer without end. */
export function unexpectedReply(clean: Clean, info: RequestInfo, status: number, why: string): ServerError {
  return new ServerError(clean(`unexpected reply from the server (HTTP ${status}): ${why}`), {
    status,
    request: info,
    hint: "is the URL a Mattermost server, and not a proxy's or a login page?",
  });
}

/**
 * Where the server sends us instead, as the URL to configure: following it is not ours to
 * decide. Another host (a login page, a proxy's portal, a hijacked name) is said as such: set
 * as url=, it would receive the token.
 */
export function redirectError(clean: Clean, info: RequestInfo, response: Response, serverUrl: string): ConfigError {
  let target: URL | undefined;
  try {
    target = new URL(response.headers.get("location") ?? "", `${serverUrl}/api/v4${info.path}`);
    target.search = "";
    target.hash = "";
    const api = target.pathname.indexOf("/api/v4/");
    if (api >= 0) target.pathname = target.pathname.slice(0, api);
  } catch {
    target = undefined;
  }
  const status = `(HTTP ${response.status})`;
  if (!target)
    return new ConfigError(`the server redirects to another address ${status}`, {
      hint: "check the server URL in the configuration",
    });
  const shown = clean(printable(target.toString().replace(/\/+$/, "")));
  if (target.hostname === new URL(serverUrl).hostname)
    return new ConfigError(`the server redirects to ${shown} ${status}`, {
      hint: `set url=${shown} in the configuration (or MMN_URL)`,
    });
  return new ConfigError(`the server redirects to another host, ${shown} ${status}`, {
    hint: `set url=${shown} (or MMN_URL) only if that is your Mattermost server: the token would go there`,
  });
}

export async function networkError(
  clean: Clean,
  info: RequestInfo,
  failure: { cause: unknown; timedOut: boolean; timeoutMs: number; url: string; proxy: string | undefined },
): Promise<NetworkError | ConfigError> {
  const { cause, timedOut, timeoutMs, url } = failure;
  if (isNotTls(cause)) return notTls(url);
  // A refused or unknown proxy looks to fetch like a refused or unknown server: say which it was.
  const proxy = await proxyFor(url, failure.proxy);
  const via = proxy ? ` through the proxy ${safeHost(proxy)}` : "";
  const noRoute = !proxy && !timedOut && isNoRoute(cause);
  const reason = timedOut
    ? `no answer within ${Math.round(timeoutMs / 100) / 10} s`
    : `${describeCause(cause)}${noRoute ? NO_ROUTE : ""}`;
  const certificate = isCertificateError(cause);
  const hint = noRoute
    ? NO_ROUTE_HINT
    : timedOut
      ? proxy
        ? undefined
        : `no answer at all is also what a compute node without a route to the server gets; ${README_SECTION}`
      : certificate
        ? "give the CA bundle that signed it (PEM) as ca= in the configuration or MMN_CA"
        : proxy
          ? `check the proxy ${redactCredentials(proxy)} (proxy=, MMN_PROXY, HTTPS_PROXY…) or leave the server out of it with NO_PROXY`
          : "check the URL and your network; behind a proxy, set HTTPS_PROXY or proxy=";
  return new NetworkError(clean(`could not reach ${safeHost(url)}${via}: ${reason}`), {
    request: info,
    cause,
    hint,
    reachedServer: !isRefused(cause),
    // An untrusted certificate stays untrusted: repeating cannot help.
    permanent: certificate,
  });
}

/**
 * No route, or a connection whose packets went unanswered to an address that resolved: many
 * clusters' compute nodes sit on a private network without a way out. Not a typo in the URL:
 * the same address works from the login node.
 */
const NO_ROUTE_CODES =
  /^(EHOSTUNREACH|ENETUNREACH|NetworkUnreachable|HostUnreachable|ETIMEDOUT|ConnectionTimedOut|UND_ERR_CONNECT_TIMEOUT)$/;
const NO_ROUTE = ", as on a compute node without a route to the server";
const README_SECTION = 'see README, "Compute nodes without a route"';
const NO_ROUTE_HINT = `run mmn where the server can be reached, as on the login node; ${README_SECTION}`;

function isNoRoute(cause: unknown): boolean {
  return NO_ROUTE_CODES.test(errorCode(cause) ?? "");
}

/**
 * An https:// URL (or one without a scheme, which means https://) to a port that answers
 * plain HTTP: Bun says EPROTO, Node OpenSSL's "wrong version number" in two lines. Said once,
 * as what to change: repeating cannot help.
 */
function notTls(url: string): ConfigError {
  const host = safeHost(url);
  return new ConfigError(`the TLS handshake with ${host} failed: does the server speak https on this port?`, {
    hint: `if it serves plain HTTP, set the URL to http://${host} (an address without http:// or https:// means https://)`,
  });
}

function isNotTls(cause: unknown): boolean {
  return /^(EPROTO|ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG)$/.test(errorCode(cause) ?? "");
}

/** A proxy's error page: its text without tags. */
function stripTags(body: string): string {
  return body.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " ");
}

/**
 * Mattermost's limiter (throttled's GCRA) says when the next request may go (Retry-After, whole
 * seconds rounded up) and when the whole bucket is back (X-Ratelimit-Reset, longer): the first
 * is the earliest repeat, the second how far apart clients refused together should come back
 * (retry.ts). X-Ratelimit-Limit and -Remaining add nothing a 429 does not say (Remaining is 0).
 * Any answer carries the X-Ratelimit-* headers: only a 429's Reset is a wait.
 */
function rateLimitOf(status: number, headers: Headers): { retryAfterMs?: number; refillMs?: number } {
  const retryAfter = waitOf(headers.get("retry-after"));
  const reset = status === 429 ? waitOf(headers.get("x-ratelimit-reset")) : undefined;
  const retryAfterMs = retryAfter ?? reset;
  return {
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(reset !== undefined ? { refillMs: reset } : {}),
  };
}

/** A number of seconds, or an HTTP date (Retry-After may be either), as milliseconds from now. */
function waitOf(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function errorCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function isRefused(cause: unknown): boolean {
  const code = errorCode(cause);
  return code === "ECONNREFUSED" || code === "ConnectionRefused" || code === "ENOTFOUND";
}

/** BoringSSL's verification failures: DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, UNABLE_TO_GET_ISSUER_CERT… */
function isCertificateError(cause: unknown): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ALTNAME/.test(errorCode(cause) ?? "");
}

/** What fetch's codes mean, in words (Bun's and Node's spellings). */
const CAUSES: Array<[RegExp, string]> = [
  [/^(ECONNREFUSED|ConnectionRefused)$/, "connection refused"],
  [/^(ENOTFOUND|FailedToOpenSocket|EAI_AGAIN)$/, "host not found"],
  [/^(ECONNRESET|ConnectionClosed|UND_ERR_SOCKET|EPIPE)$/, "connection closed by the server"],
  [
    /^(Malformed_HTTP_Response|InvalidHTTPResponse|HPE_\w+|UND_ERR_INFO|ResponseHeadersTooLarge|UnexpectedEOF)$/,
    "its answer is not HTTP (is something else listening at that address and port?)",
  ],
  [/^(ETIMEDOUT|ConnectionTimedOut|UND_ERR_CONNECT_TIMEOUT)$/, "the connection timed out"],
  [/^(ENETUNREACH|NetworkUnreachable)$/, "no route to it from this machine (ENETUNREACH)"],
  [/^(EHOSTUNREACH|HostUnreachable)$/, "no route to it from this machine (EHOSTUNREACH)"],
];

function describeCause(cause: unknown): string {
  const code = errorCode(cause);
  if (isCertificateError(cause)) return `its certificate is not trusted (${code})`;
  const known = code && CAUSES.find(([codes]) => codes.test(code))?.[1];
  if (known) return known;
  // Bun's own words are addressed to a programmer: `verbose: true` is no option of mmn's.
  const message = printable(
    errorMessage(cause)
      .replace(/\s*For more information, pass `verbose: true`[\s\S]*$/, "")
      .replace(/ fetching "[^"]*"\.?$/, ""),
  );
  if (!message || message === code) return code ? `the connection failed (${code})` : "the connection failed";
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
