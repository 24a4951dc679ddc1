// Writing responses with the headers every API response of the real server carries.
import type { ServerResponse } from "node:http";
import { AppError } from "./app-error.ts";

export interface ResponseMeta {
  requestId: string;
  /** X-Version-Id: "<version>.<build number>.<client config hash>.<licensed>". */
  versionId: string;
  method: string;
}

function apiHeaders(res: ServerResponse, meta: ResponseMeta): void {
  res.setHeader("X-Request-Id", meta.requestId);
  res.setHeader("X-Version-Id", meta.versionId);
  res.setHeader("Permissions-Policy", "");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  // Exactly "application/json": Client4 parses the body as JSON only on this exact value.
  res.setHeader("Content-Type", "application/json");
  if (meta.method === "GET") res.setHeader("Expires", "0");
}

export function sendJson(res: ServerResponse, meta: ResponseMeta, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  apiHeaders(res, meta);
  res.statusCode = status;
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, meta: ResponseMeta, err: AppError): void {
  sendJson(res, meta, err.status, err.toBody(meta.requestId));
}

/** web.Handle404: written directly (no request id in the body), with a detailed error naming the path. */
export function sendNotFound(res: ServerResponse, meta: ResponseMeta, path: string): void {
  const err = new AppError(
    "api.context.404.app_error",
    404,
    {},
    `There doesn't appear to be an api call for the url='${path}'.  Typo? are you missing a team_id or user_id as part of the url?`,
  );
  sendJson(res, meta, 404, err.toBody(""));
}

/** Go's http.Error: text/plain, nosniff, the text plus a newline. */
export function sendPlain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.statusCode = status;
  res.end(`${text}\n`);
}
