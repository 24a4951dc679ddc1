// The test server's incoming webhooks and message priority, through plain fetch.
import { beforeEach, describe, expect, test } from "bun:test";
import type { Post } from "@mattermost/types/posts";
import { appError, useTestServer } from "./fetching.ts";

const { server: s, call } = useTestServer();
beforeEach(() => {
  s.settings.incomingWebhooks = true;
  s.settings.postPriority = "licensed";
});

async function hook(url: string, payload: unknown): Promise<{ status: number; type: string | null; body: unknown }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload),
  });
  const text = await res.text();
  const type = res.headers.get("content-type");
  return { status: res.status, type, body: type === "application/json" ? JSON.parse(text) : text };
}

describe("incoming webhooks", () => {
  test("a hook posts in its channel as its owner, answering ok as text/plain", async () => {
    const { url } = s.addWebhook(s.channels.general);
    expect(await hook(url, { text: "hello", username: "ci" })).toEqual({ status: 200, type: "text/plain", body: "ok" });
    const [post] = s.postsIn(s.channels.general.id);
    expect(post?.message).toBe("hello");
    expect(post?.user_id).toBe(s.users.alice.id);
    expect(post?.props).toMatchObject({ from_webhook: "true", override_username: "ci" });
  });

  test("channel and @user override the hook's channel; a locked hook refuses them", async () => {
    const { url } = s.addWebhook(s.channels.general);
    expect((await hook(url, { text: "here", channel: "town-square" })).status).toBe(200);
    expect(s.postsIn(s.channels.townSquare.id)).toHaveLength(1);
    expect((await hook(url, { text: "you", channel: "@bob" })).status).toBe(200);
    const dm = s.postsIn(s.posts.values().toArray().at(-1)!.channel_id);
    expect(dm[0]?.message).toBe("you");
    const locked = s.addWebhook(s.channels.general, { locked: true });
    expect(await hook(locked.url, { text: "x", channel: "town-square" })).toEqual({
      status: 403,
      type: "application/json",
      body: appError(
        "web.incoming_webhook.channel_locked.app_error",
        "This webhook is not permitted to post to the requested channel.",
        403,
      ),
    });
  });

  test("a deleted hook is 400 invalid, hooks turned off 501, no text 400, an unknown channel 404", async () => {
    const { id, url } = s.addWebhook(s.channels.general);
    expect((await hook(url, { text: "" })).status).toBe(400);
    expect(((await hook(url, { text: "x", channel: "nowhere" })).body as { id: string }).id).toBe(
      "web.incoming_webhook.channel.app_error",
    );
    s.settings.incomingWebhooks = false;
    expect(await hook(url, { text: "x" })).toMatchObject({
      status: 501,
      body: { id: "web.incoming_webhook.disabled.app_error" },
    });
    s.settings.incomingWebhooks = true;
    s.deleteWebhook(id);
    expect(await hook(url, { text: "x" })).toEqual({
      status: 400,
      type: "application/json",
      body: appError("web.incoming_webhook.invalid.app_error", "Invalid webhook.", 400),
    });
  });
});

describe("message priority", () => {
  const urgent = { priority: "urgent", requested_ack: true, persistent_notifications: true };
  const create = (priority: unknown, extra: Record<string, unknown> = {}) =>
    call("POST", "/posts", {
      json: { channel_id: s.channels.general.id, message: "m", metadata: { priority }, ...extra },
    });

  test("licensed: kept in the post's metadata", async () => {
    const r = await create(urgent);
    expect(r.status).toBe(201);
    expect((r.body as Post).metadata).toEqual({ priority: urgent } as unknown as Post["metadata"]);
    expect(s.posts.get((r.body as Post).id)?.metadata.priority as unknown).toEqual(urgent);
  });

  test("refused: off 403, unlicensed acks 501, on a reply 400", async () => {
    s.settings.postPriority = "unlicensed";
    expect((await create(urgent)).body).toEqual(
      appError(
        "license_error.feature_unavailable",
        "Feature unavailable for current license.",
        501,
        "feature is not available for the current license",
      ),
    );
    expect((await create({ priority: "urgent" })).status).toBe(201);
    s.settings.postPriority = "off";
    expect((await create({ priority: "urgent" })).body).toMatchObject({
      id: "api.post.post_priority.priority_post_not_allowed_for_user.request_error",
      status_code: 403,
    });
    s.settings.postPriority = "licensed";
    const root = (await create(undefined)).body as Post;
    expect((await create({ priority: "urgent" }, { root_id: root.id })).status).toBe(400);
  });
});
