import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client/client.ts";
import { isQueued, Outbox } from "../../src/outbox/index.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

// Issue 16, item 7: finding the outbox costs a read of the host's name, which a plain send
// (a client that keeps nothing: mmn send, mmn update) no longer pays.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

test("a client that keeps nothing finds its outbox at the first parcel that may need it: a new post goes straight, the update of a kept post through it", async () => {
  const outbox = new Outbox(mkdtempSync(join(tmpdir(), "mmn-outbox-")), "node1");
  const options = { url: server.url, token: server.token, team: "research", timeoutMs: 300, retries: 0 };
  // A run keeps its status post, the server refusing.
  const run = new Client(options, { outbox });
  await server.refuse();
  expect(isQueued(await run.send("⏳ running", { user: "alice" }, { id: "job" }))).toBe(true);
  await server.accept();

  let found = 0;
  const send = new Client(
    { ...options, hooks: run.hooks },
    {
      outbox: async () => {
        found++;
        return outbox;
      },
      keep: false,
    },
  );
  await send.send("hello", { user: "alice" });
  expect(found).toBe(0);
  expect(send.outbox).toBeUndefined();
  // The hook names the kept post's stand-in: the post goes first, then the edit reaches it.
  await send.sendUpdate("✅ done", { id: "job" });
  await send.sendUpdate("✅ done, checked", { id: "job" });
  expect(found).toBe(1);
  expect(send.outbox?.store).toBe(outbox);
  const dm = server.dmChannelWith(server.users.alice.id)!.id;
  expect(server.postsIn(dm).map((post) => post.message)).toEqual(["hello", "✅ done, checked"]);
  expect(await outbox.list([outbox.host])).toEqual([]);
});
