/** What a request that got no answer ran into, from the cause fetch gives (Bun's or Node's). */

function errorCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isRefused(cause: unknown): boolean {
  const code = errorCode(cause);
  return code === "ECONNREFUSED" || code === "ConnectionRefused" || code === "ENOTFOUND";
}

/** BoringSSL's verification failures: DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, UNABLE_TO_GET_ISSUER_CERT… */
export function isCertificateError(cause: unknown): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ALTNAME/.test(errorCode(cause) ?? "");
}

export function describeCause(cause: unknown): string {
  const code = errorCode(cause);
  if (isCertificateError(cause)) return `its certificate is not trusted (${code})`;
  if (code === "ECONNREFUSED" || code === "ConnectionRefused") return "connection refused";
  if (code === "ENOTFOUND" || code === "FailedToOpenSocket") return "host not found";
  if (code === "ECONNRESET" || code === "ConnectionClosed") return "connection closed by the server";
  const message = cause instanceof Error ? cause.message : String(cause);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
