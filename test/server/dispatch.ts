// One request, start to end: record it, apply faults and rate limiting, authenticate, route.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { AppError, sessionExpired } from "./app-error.ts";
import { MAX_JSON_BODY, readBody } from "./body.ts";
import { bufferedBody, recordJsonOnArrival } from "./body-tap.ts";
import { sendBomb, sendCompressedJson } from "./bomb.ts";
import type { Ctx, ServerConfig } from "./context.ts";
import type { Faults } from "./faults.ts";
import { newId } from "./ids.ts";
import { type RateLimiter, setRateLimitHeaders } from "./rate-limit.ts";
import { type ResponseMeta, sendError, sendJson, sendNotFound, sendPlain } from "./respond.ts";
import { matchRoute } from "./routes.ts";
import type { Store } from "./store.ts";
import { versionId } from "./system.ts";
import type { Fault, RecordedRequest } from "./types.ts";
import { handleIncomingWebhook } from "./webhooks.ts";

export interface DispatchDeps {
  store: Store;
  config: ServerConfig;
  faults: Faults;
  limiter: RateLimiter | undefined;
  requests: RecordedRequest[];
  /** Responses kept open by "hang" faults, ended by close(). */
  hanging: Set<ServerResponse>;
  sleep: (ms: number) => Promise<void>;
  onRequest: ((r: RecordedRequest) => void) | undefined;
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** app.ParseAuthTokenFromRequest, header form: "Bearer <token>" or "Token <token>", any case. */
function tokenOf(req: IncomingMessage): string {
  const m = /^(bearer|token)\s+(\S+)/i.exec(req.headers.authorization ?? "");
  return m?.[2] ?? "";
}

function record(deps: DispatchDeps, req: IncomingMessage, res: ServerResponse, url: URL): RecordedRequest {
  const rec: RecordedRequest = {
    method: req.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: flatHeaders(req),
    body: undefined,
    status: 0,
    at: Date.now(),
  };
  deps.requests.push(rec);
  let reported = false;
  const report = (): void => {
    if (reported) return;
    reported = true;
    deps.onRequest?.(rec);
  };
  res.on("finish", () => {
    rec.status = res.statusCode;
    report();
  });
  res.on("close", report);
  return rec;
}

/**
 * Handles an injected fault: the body to read the request from when it goes on to be handled
 * normally, undefined when the fault has dealt with it.
 */
async function applyFault(
  fault: Fault,
  deps: DispatchDeps,
  req: IncomingMessage,
  res: ServerResponse,
  meta: ResponseMeta,
  rec: RecordedRequest,
): Promise<Readable | undefined> {
  switch (fault.kind) {
    case "reset":
      req.socket.destroy();
      return undefined;
    case "flood":
      req.resume();
      flood(res, fault.status ?? 200);
      return undefined;
    case "bomb":
      req.resume();
      await sendBomb(res, fault.status ?? 200, fault.encoding ?? "br", fault.decodedBytes ?? 1024 ** 3);
      return undefined;
    case "hang":
      deps.hanging.add(res);
      res.on("close", () => deps.hanging.delete(res));
      recordJsonOnArrival(req, rec);
      req.resume(); // take the whole body, never answer
      return undefined;
    case "delay": {
      // A client whose upload must stall mid-body: nothing is read until the wait ends.
      if (fault.unread) {
        fault.arrived?.();
        await (fault.until ?? deps.sleep(fault.ms ?? 0));
        return req;
      }
      // The body is taken in while waiting, and the request is handled after the wait even if the
      // client has given up by then: that is what a slow server does.
      recordJsonOnArrival(req, rec);
      const body = bufferedBody(req);
      fault.arrived?.();
      await (fault.until ?? deps.sleep(fault.ms ?? 0));
      return body;
    }
    case "status": {
      const raw = await readBody(req, MAX_JSON_BODY).catch(() => undefined);
      try {
        if (raw && raw.length > 0) rec.body = JSON.parse(raw.toString("utf8"));
      } catch {
        // not JSON
      }
      const status = fault.status ?? 500;
      for (const [name, value] of Object.entries(fault.headers ?? {})) res.setHeader(name, value);
      if (typeof fault.body === "string") {
        res.setHeader("X-Request-Id", meta.requestId);
        res.statusCode = status;
        if (!res.hasHeader("Content-Type")) res.setHeader("Content-Type", "text/plain; charset=utf-8");
        res.end(fault.body);
      } else if (fault.body !== undefined && fault.encoding) {
        sendCompressedJson(res, status, fault.encoding, fault.body);
      } else if (fault.body !== undefined) {
        sendJson(res, meta, status, fault.body);
      } else {
        sendError(
          res,
          meta,
          new AppError("api.test_server.injected_fault.app_error", status, {}, "injected by a test"),
        );
      }
      return undefined;
    }
  }
}

/** A JSON-looking answer that never ends: what a broken or hostile server may send. */
function flood(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json");
  const chunk = Buffer.alloc(64 * 1024, "a");
  res.write('{"id":"');
  const more = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once("drain", more);
  };
  more();
}

/** web.incomingWebhook: no session, "ok" as text/plain, an AppError as JSON (thrown to dispatch's catch). */
async function incomingWebhook(
  deps: DispatchDeps,
  body: Readable,
  res: ServerResponse,
  rec: RecordedRequest,
  id: string,
): Promise<void> {
  const raw = await readBody(body, MAX_JSON_BODY);
  const contentType = rec.headers["content-type"] ?? "";
  try {
    rec.body = contentType.startsWith("application/json") ? JSON.parse(raw.toString("utf8")) : undefined;
  } catch {
    // not JSON: the handler says so
  }
  await handleIncomingWebhook(deps.store, deps.config, id, { raw, contentType });
  res.statusCode = 200;
  res.setHeader("Content-Type", "text/plain");
  res.end("ok");
}

export async function dispatch(deps: DispatchDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const rec = record(deps, req, res, url);
  const meta: ResponseMeta = { requestId: newId(), versionId: versionId(deps.config), method: rec.method };
  let body: Readable = req;
  try {
    const fault = deps.faults.take(rec.method, rec.path);
    if (fault) {
      const delayed = await applyFault(fault, deps, req, res, meta, rec);
      if (!delayed) return;
      body = delayed;
    }

    const token = tokenOf(req);
    if (deps.limiter) {
      const result = deps.limiter.take(token || (req.socket.remoteAddress ?? ""));
      setRateLimitHeaders(res, result);
      if (result.limited) return sendPlain(res, 429, "limit exceeded");
    }

    const hook = /^\/hooks\/(?<id>[A-Za-z0-9]+)$/.exec(rec.path);
    if (hook && rec.method === "POST") return await incomingWebhook(deps, body, res, rec, hook.groups?.id ?? "");
    const found = matchRoute(rec.method, rec.path);
    if (!found) return sendNotFound(res, meta, rec.path);
    const user = token ? deps.store.userOfToken(token) : undefined;
    if (found.route.session && !user) return sendError(res, meta, sessionExpired());

    const ctx: Ctx = {
      req,
      body,
      res,
      record: rec,
      requestId: meta.requestId,
      path: rec.path,
      query: url.searchParams,
      params: found.params,
      user,
      store: deps.store,
      config: deps.config,
    };
    const reply = await found.route.handler(ctx);
    sendJson(res, meta, reply.status, reply.body);
  } catch (err) {
    if (err instanceof AppError) return sendError(res, meta, err);
    const detail = err instanceof Error ? err.message : String(err);
    sendError(res, meta, new AppError("api.test_server.internal.app_error", 500, {}, detail));
  } finally {
    if (!deps.hanging.has(res)) rec.handledAt = Date.now();
    // Whatever was not read is drained, so that the client can read the answer and reuse the connection.
    if (!deps.hanging.has(res)) {
      if (!req.readableEnded && !req.destroyed) req.resume();
      if (body !== req && !body.readableEnded && !body.destroyed) body.resume();
    }
  }
}
