// Plain fetch against a test server, for the server's own tests.
import { afterAll, beforeAll, beforeEach, expect } from "bun:test";
import type { FileUploadResponse } from "@mattermost/types/files";
import type { Post } from "@mattermost/types/posts";
import { startTestServer, type TestServer } from "./index.ts";

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export const anyId = expect.stringMatching(/^[a-z0-9]{26}$/);

export function appError(id: string, message: string, status: number, detailed = ""): Record<string, unknown> {
  return { id, message, detailed_error: detailed, request_id: anyId, status_code: status };
}

export function form(parts: Array<[string, string] | [string, Blob, string]>): FormData {
  const fd = new FormData();
  for (const p of parts) {
    if (p.length === 3) fd.append(p[0], p[1], p[2]);
    else fd.append(p[0], p[1]);
  }
  return fd;
}

/** Requests to the server `current()` is when they are made (each test file starts its own). */
function fetching(current: () => TestServer) {
  async function call(
    method: string,
    path: string,
    opts: {
      json?: unknown;
      raw?: RequestInit["body"];
      token?: string | null;
      server?: TestServer;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const srv = opts.server ?? current();
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? srv.token : opts.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    let body = opts.raw;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers["Content-Type"] = "application/json";
    }
    const res = await fetch(`${srv.url}/api/v4${path}`, { method, headers, body });
    const text = await res.text();
    const parsed: unknown = res.headers.get("content-type") === "application/json" ? JSON.parse(text) : text;
    return { status: res.status, headers: res.headers, body: parsed };
  }

  async function upload(
    content: string | Uint8Array,
    name = "log.txt",
    channelId = current().channels.general.id,
  ): Promise<string> {
    const r = await call("POST", "/files", {
      raw: form([
        ["channel_id", channelId],
        ["files", new Blob([content]), name],
      ]),
    });
    expect(r.status).toBe(201);
    const id = (r.body as FileUploadResponse).file_infos[0]?.id;
    if (!id) throw new Error("no file id");
    return id;
  }

  async function post(message: string, extra: Record<string, unknown> = {}): Promise<Post> {
    const r = await call("POST", "/posts", { json: { channel_id: current().channels.general.id, message, ...extra } });
    expect(r.status).toBe(201);
    return r.body as Post;
  }

  return { call, upload, post };
}

/**
 * The test file's own server, started before its tests, reset before each and closed after
 * them; `server` stands for it (it exists once the tests run), with plain fetch against it.
 */
export function useTestServer() {
  let current: TestServer | undefined;
  beforeAll(async () => {
    current = await startTestServer();
  });
  afterAll(() => current?.close());
  beforeEach(() => current?.reset());
  const started = (): TestServer => {
    if (!current) throw new Error("the test server starts in beforeAll: use it inside a test");
    return current;
  };
  const server = new Proxy({} as TestServer, {
    get(_, key) {
      const value: unknown = Reflect.get(started(), key);
      return typeof value === "function" ? value.bind(started()) : value;
    },
  });
  return { server, ...fetching(started) };
}
