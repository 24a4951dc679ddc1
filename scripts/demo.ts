/**
 * `bun run demo`: mmn against the fake Mattermost server of the tests, on loopback.
 * No account needed: it shows what the server receives, message by message.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Notify } from "../src/index.ts";
import { startTestServer, type TestServer } from "../test/server/index.ts";

const bold = (t: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${t}\x1b[0m` : t);

function show(server: TestServer, title: string): void {
  console.log(`\n${bold(`── ${title}`)}`);
  for (const r of server.requests) console.log(`  ${r.method} ${r.path} → ${r.status}`);
  server.requests.length = 0;
}

function showPost(server: TestServer, id: string): void {
  const post = server.posts.get(id)!;
  const files = (post.file_ids ?? []).map((f) => server.files.get(f)!.info.name);
  console.log(`  post ${post.id}${post.root_id ? ` (reply to ${post.root_id})` : ""}: ${JSON.stringify(post.message)}${files.length ? ` + ${files.join(", ")}` : ""}${post.edit_at ? " (edited)" : ""}`);
}

const server = await startTestServer();
const dir = mkdtempSync(join(tmpdir(), "mmn-demo-"));
const log = join(dir, "results.csv");
writeFileSync(log, "epoch,loss\n1,0.9\n2,0.5\n");
try {
  console.log(`fake Mattermost at ${server.url} (team "research", users alice and bob, bot @notify-bot)`);
  const client = new Notify({ url: server.url, token: server.token, team: "research" });

  const sent = await client.sendToUser("Training started on node gpu-07", "alice", { id: "train", files: [log] });
  show(server, 'library: client.sendToUser("Training started…", "alice", { id: "train", files: [results.csv] })');
  showPost(server, sent.id);

  await client.sendUpdate("Training finished: loss 0.12 ✔", { id: "train" });
  show(server, 'library: client.sendUpdate("Training finished…", { id: "train" })  — the same post, edited');
  showPost(server, sent.id);

  const hookFile = join(dir, "train.msg");
  await client.writeMessageHookToFile("train", hookFile);
  console.log(`\n${bold("── the message hook, for another process or the Python package")} (${hookFile})`);
  console.log(await Bun.file(hookFile).text());
} finally {
  await server.close();
}
