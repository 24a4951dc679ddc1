import { expect, test } from "bun:test";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "../../src/client/client.ts";
import { deliverOutbox, Outbox } from "../../src/outbox/index.ts";
import type { Sandbox } from "../helpers/cli.ts";
import { mmn } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import type { TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const outboxRoot = () => join(box.home, ".local/state/mmn/outbox");
const hostDirs = () => readdirSync(outboxRoot()).filter((name) => name !== "posted");
const entries = () =>
  hostDirs().flatMap((host) =>
    readdirSync(join(outboxRoot(), host))
      .filter((name) => name.endsWith(".json"))
      .map((name) => join(outboxRoot(), host, name)),
  );
const deliver = async () => {
  const [host] = hostDirs();
  const client = new Client({ url: server.url, token: server.token }, { outbox: new Outbox(outboxRoot(), host!) });
  return deliverOutbox(client);
};

test("mmn run whose end finds the server down: one line says it is queued, the exit code kept; a relay delivers it later", async () => {
  const go = join(box.cwd, "go");
  const run = mmn(
    box,
    ["run", "--", "bash", "-c", `echo computing; while [ ! -e ${go} ]; do sleep 0.05; done; echo done; exit 3`],
    { env: { MMN_TEST_FINISH_UNANSWERED_MS: "300", MMN_TEST_REQUEST_TIMEOUT_MS: "300" } },
  );
  while (alicePosts(server).length < 1) await Bun.sleep(20);
  await server.refuse();
  writeFileSync(go, "");
  const r = await run;
  expect(r.code).toBe(3);
  expect(r.stdout).toBe("computing\ndone\n");
  const ours = r.stderr.split("\n").filter((l) => l.startsWith("mmn: ") && !l.includes("reporting as"));
  expect(ours).toEqual(["mmn: queued: mmn relay on a node that reaches the server will deliver it"]);
  const kept = entries();
  expect(kept.length).toBeGreaterThanOrEqual(2);
  for (const file of kept) expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(join(outboxRoot(), hostDirs()[0]!)).mode & 0o777).toBe(0o700);

  await server.accept();
  // The relay, as a user runs it on the login node: the outbox first, then the runs still registered.
  const relayed = await mmn(box, ["relay", "--once"]);
  expect(relayed.code).toBe(0);
  expect(relayed.stdout).toMatch(/^delivered: \d+ kept messages\n$/);
  expect(entries()).toEqual([]);
  const [status, reply, ...rest] = alicePosts(server);
  expect(rest).toEqual([]);
  expect(status!.message).toStartWith("❌ **`bash -c");
  expect(status!.message).toContain("failed with exit code 3");
  expect(reply!.root_id).toBe(status!.id);
  expect(reply!.message).toContain("failed with exit code 3");
  expect(server.files.get(reply!.file_ids![0]!)!.content.toString()).toBe("computing\ndone\n");
});

test("delivery=outbox (flag, setting, MMN_DELIVERY): no request at all; a relay delivers every message once", async () => {
  const sent = await mmn(box, ["send", "--delivery", "outbox", "-u", "alice", "from the flag"]);
  expect(sent.code).toBe(0);
  expect(sent.stderr).toContain("queued: mmn relay on a node that reaches the server will deliver it");
  const ran = await mmn(box, ["run", "-u", "alice", "--", "bash", "-c", "echo hi; exit 5"], {
    env: { MMN_DELIVERY: "outbox" },
  });
  expect(ran.code).toBe(5);
  expect(ran.stderr).toContain("mmn: queued: mmn relay on a node that reaches the server will deliver it");
  box.write(".mmnrc", "delivery=outbox\n");
  expect((await mmn(box, ["send", "-u", "alice", "from the setting"])).code).toBe(0);
  expect(server.requests).toEqual([]);

  expect(await deliver()).toMatchObject({ left: 0, failed: 0 });
  const messages = alicePosts(server).map((p) => p.message);
  expect(messages.filter((m) => m === "from the flag")).toHaveLength(1);
  expect(messages.filter((m) => m === "from the setting")).toHaveLength(1);
  expect(messages.filter((m) => m.includes("failed with exit code 5"))).toHaveLength(2);
  expect(existsSync(join(outboxRoot(), "posted"))).toBe(true);
});

test("mmn test and mmn setup on a node with delivery=outbox: no request, and what to do instead", async () => {
  const env = { MMN_DELIVERY: "outbox" };
  const checked = await mmn(box, ["test"], { env });
  expect(checked.code).toBe(0);
  expect(checked.stderr).toContain("this node makes no request (delivery=outbox)");
  expect(checked.stderr).toContain("until mmn relay, on a node that reaches the server, delivers them");
  const setup = await mmn(box, ["setup", "--yes"], { env });
  expect(setup.code).toBe(2);
  expect(setup.stderr).toContain("run mmn setup on a node that reaches the server");
  const wrong = await mmn(box, ["send", "-u", "alice", "hi"], { env: { MMN_DELIVERY: "later" } });
  expect(wrong.code).toBe(3);
  expect(wrong.stderr).toContain('delivery="later" is neither direct nor outbox');
  expect(server.requests).toEqual([]);
});

test("mmn update of a run's status post that mmn relay delivered: the edit reaches the post the relay made", async () => {
  const ran = await mmn(box, ["run", "--id", "kept", "--delivery", "outbox", "--", "true"]);
  expect(ran.code).toBe(0);
  expect(await deliver()).toMatchObject({ left: 0, failed: 0 });
  const updated = await mmn(box, ["update", "--id", "kept", "a note"]);
  expect(updated.code).toBe(0);
  expect(alicePosts(server)[0]!.message).toBe("a note");
});

test("mmn send with the server down, without delivery=outbox: an error as before, nothing kept", async () => {
  await server.refuse();
  const sent = await mmn(box, ["send", "--timeout", "1", "-u", "alice", "hi"]);
  await server.accept();
  expect(sent.code).toBe(1);
  expect(existsSync(outboxRoot()) ? entries() : []).toEqual([]);
});
