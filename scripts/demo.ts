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
  console.log(
    `  post ${post.id}${post.root_id ? ` (reply to ${post.root_id})` : ""}: ${JSON.stringify(post.message)}${files.length ? ` + ${files.join(", ")}` : ""}${post.edit_at ? " (edited)" : ""}`,
  );
}

/** `mmn run` around a short job with a progress bar and some stderr, as a user would type it. */
async function wrapperDemo(server: TestServer): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), "mmn-demo-home-"));
  writeFileSync(join(home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nteam=research\nuser=bob\n`, {
    mode: 0o600,
  });
  const script = join(home, "train.sh");
  writeFileSync(
    script,
    [
      "echo 'loading data'",
      "for i in $(seq 0 10 100); do printf '\\repoch 1 [%-10s] %3d%%' \"$(head -c $((i / 10)) /dev/zero | tr '\\0' '#')\" \"$i\"; sleep 0.15; done; echo",
      "echo 'warning: learning rate is high' >&2",
      "echo 'loss 0.12'",
      "exit 1",
    ].join("\n"),
  );
  const argv = ["mmn", "run", "--id", "demo-job", "--interval", "1", "--", "bash", "train.sh"];
  console.log(`\n${bold(`── $ ${argv.join(" ")}`)}  (the job's own output, untouched:)`);
  const proc = Bun.spawn(["bun", join(import.meta.dir, "../src/cli/main.ts"), ...argv.slice(1)], {
    cwd: home,
    env: { ...process.env, HOME: home, MMN_CONFIG: "", NO_COLOR: "1" },
    stdout: "inherit",
    stderr: "inherit",
  });
  const code = await proc.exited;
  console.log(`(exit code ${code}, the command's own)`);
  show(server, "what the server received");
  for (const post of server.postsIn(server.dmChannelWith(server.users.bob.id)!.id)) showPost(server, post.id);
  const status = [...server.posts.values()].find((p) => (p.props as { attachments?: unknown }).attachments);
  if (status) {
    console.log(`\n${bold("── the status message as Mattermost renders it (Markdown + a coloured card)")}`);
    console.log(status.message.replace(/^/gm, "  "));
    for (const f of (
      status.props as { attachments: Array<{ color: string; fields: Array<{ title: string; value: string }> }> }
    ).attachments[0]!.fields) {
      console.log(`  | ${f.title}: ${f.value}`);
    }
  }
}

// Message priority on, with a licence: a failure's urgent post, and the acknowledgement it asks for,
// are taken at once (off, the server refuses them and the demo would show refused posts).
const server = await startTestServer({ postPriority: "licensed" });
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

  await wrapperDemo(server);
} finally {
  await server.close();
}
