import { expect, test } from "bun:test";
import { chmodSync, lchownSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, cardField, useRunServer } from "../helpers/run-server.ts";
import type { TestServer } from "../server/index.ts";

// What the messages show, and what they must not.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const dmPosts = () => alicePosts(server);
/** Everything the server was sent: bodies, paths and uploaded file names. */
const sent = () => JSON.stringify(server.requests.map((q) => [q.path, q.query, q.body, q.multipart]));

test("--hide-command: neither the log's name nor a start failure gives the program away", async () => {
  chmodSync(box.write("deploy-prod-secret.sh", "#!/bin/sh\necho deployed\n"), 0o755);
  const r = await mmn(box, ["run", "--hide-command", "--id", "hidden-1", "--", "./deploy-prod-secret.sh"]);
  expect(r.code).toBe(0);
  const [, reply] = dmPosts();
  expect(server.files.get(reply!.file_ids![0]!)!.info.name).toBe("hidden-1.log");
  expect(sent()).not.toContain("deploy-prod-secret");

  server.reset();
  const missing = await mmn(box, [
    "run",
    "--hide-command",
    "--id",
    "hidden-2",
    "--",
    "./nosuch-secret-tool",
    "--token",
    "x",
  ]);
  expect(missing.code).toBe(127);
  expect(missing.stderr).toContain("no such file: ./nosuch-secret-tool");
  expect(dmPosts()[0]!.message).toStartWith("❌ **hidden-2** could not start: command not found on ");
  expect(sent()).not.toContain("nosuch-secret-tool");
});

test("a huge interval: as a flag a usage error before anything runs; in the configuration a warning and the default", async () => {
  const r = await mmn(box, ["run", "--interval", "3000000", "--", "touch", "ran"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--interval must be at most 86400 (one day), not "3000000"');
  expect(server.requests).toEqual([]);

  const configured = sandbox(server, { user: "alice", interval: "3000000" });
  const c = await mmn(configured, ["run", "--", "bash", "-c", "echo a; sleep 0.5; echo b"]);
  expect(c.code).toBe(0);
  expect(c.stderr).not.toContain("TimeoutOverflowWarning");
  expect(c.stderr).toContain(
    `mmn: interval=3000000 in ${configured.home}/.mmnrc must be at most 86400 (one day): using 30\n`,
  );
  // The start and the end: no edit every millisecond.
  expect(server.requests.filter((q) => q.method === "PUT")).toHaveLength(1);
  expect(dmPosts()[0]!.message).toContain("```\na\nb\n```");
});

test("an interval under a second: as a flag a usage error before anything runs; in the configuration a warning and the default", async () => {
  const r = await mmn(box, ["run", "--interval", "0.1", "--", "touch", "ran"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('mmn: error: --interval must be a number ≥ 1, not "0.1"');
  expect(server.requests).toEqual([]);

  const configured = sandbox(server, { user: "alice", interval: "0.5" });
  const c = await mmn(configured, ["run", "--", "bash", "-c", "echo a; sleep 1.2; echo b"]);
  expect(c.code).toBe(0);
  expect(c.stderr).toContain(`mmn: interval=0.5 in ${configured.home}/.mmnrc must be a number ≥ 1: using 30\n`);
  // The start and the end: no edit every half second.
  expect(server.requests.filter((q) => q.method === "PUT")).toHaveLength(1);
});

test("a huge tail: as a flag a usage error; in the configuration a warning and the default", async () => {
  const r = await mmn(box, ["run", "--tail", "10000000", "--", "touch", "ran"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--tail must be at most 1000 (more do not fit in one post), not "10000000"');
  expect(server.requests).toEqual([]);

  const configured = sandbox(server, { user: "alice", tail: "10000000" });
  const c = await mmn(configured, ["run", "--", "seq", "1", "50"]);
  expect(c.code).toBe(0);
  expect(c.stderr).toContain(
    `mmn: tail=10000000 in ${configured.home}/.mmnrc must be at most 1000 (more do not fit in one post): using 10\n`,
  );
  expect(dmPosts()[0]!.message).toEndWith("\n```\n41\n42\n43\n44\n45\n46\n47\n48\n49\n50\n```");
});

test("MMN_TOKEN is not passed to the command: env in a job cannot send it to Mattermost", async () => {
  const r = await mmn(box, ["run", "--id", "tok", "--", "bash", "-c", "env | grep MMN_ || echo no MMN_ variables"], {
    env: { MMN_TOKEN: server.token },
  });
  expect(r.code).toBe(0);
  // MMN_RUN_ID alone: the run's id, for the command's own replies.
  expect(r.stdout).toBe("MMN_RUN_ID=tok\n");
  expect(dmPosts()[0]!.message).toContain("```\nMMN_RUN_ID=tok\n```");
  expect(sent()).not.toContain(server.token);
});

test("--log naming the file our output goes to (> job.out 2>&1, #SBATCH -o): written once, that file attached", async () => {
  const shell = (line: string) =>
    Bun.spawn(["bash", "-c", line], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" }).exited;
  const job = "bash -c 'echo a; echo b >&2; echo c'";
  expect(await shell(`${MMN.join(" ")} run --log job.out -- ${job} > job.out 2>&1`)).toBe(0);
  const out = readFileSync(join(box.cwd, "job.out"), "utf8");
  expect(out).not.toContain("\0");
  expect(out.split("\n").filter((l) => !l.startsWith("mmn: "))).toEqual(["a", "b", "c", ""]);
  const [status, reply] = dmPosts();
  expect(status!.message).toContain("```\na\nb\nc\n```");
  expect(server.files.get(reply!.file_ids![0]!)!.content.toString()).toEndWith("a\nb\nc\n");

  // Appended to (>>), the earlier content stays.
  server.reset();
  box.write("more.out", "earlier\n");
  expect(await shell(`${MMN.join(" ")} run --log more.out -- echo later >> more.out`)).toBe(0);
  expect(readFileSync(join(box.cwd, "more.out"), "utf8")).toBe("earlier\nlater\n");
});

test("a multi-line command is shown in the card as a code block, which Markdown keeps whole", async () => {
  const r = await mmn(box, ["run", "--", "bash", "-c", "echo a\n\n# not a heading\necho b"]);
  expect(r.code).toBe(0);
  expect(cardField(dmPosts()[0]!, "Command")).toBe("```\nbash -c 'echo a\n\n# not a heading\necho b'\n```");
});

test("a --title over several lines: the headline holds its first", async () => {
  const r = await mmn(box, ["run", "--title", "nightly build\n\n# stage 2", "--", "true"]);
  expect(r.code).toBe(0);
  const [status, reply] = dmPosts();
  expect(status!.message).toMatch(/^✅ \*\*nightly build…\*\* succeeded on \S+ after \d+s\n/);
  expect(reply!.message).toMatch(/^✅ \*\*nightly build…\*\* succeeded on \S+ after \d+s$/);
});

test("a script whose #! names a missing program: 'bad interpreter', exit 126 as bash 4 and 5.1 give it, also for Windows line endings", async () => {
  chmodSync(box.write("bad.sh", "#!/nonexistent/interp -x\necho hi\n"), 0o755);
  const r = await mmn(box, ["run", "--", "./bad.sh"]);
  expect(r.code).toBe(126);
  expect(r.stderr).toContain("mmn: bad interpreter: /nonexistent/interp: no such file (the #! line of ./bad.sh)\n");
  expect(dmPosts()[0]!.message).toContain("could not start: `bad interpreter: /nonexistent/interp");

  server.reset();
  chmodSync(box.write("crlf.sh", "#!/bin/sh\r\necho hi\r\n"), 0o755);
  const crlf = await mmn(box, ["run", "--", "./crlf.sh"]);
  expect(crlf.code).toBe(126);
  expect(crlf.stderr).toContain("mmn: bad interpreter: /bin/sh^M: no such file (the #! line of ./crlf.sh)\n");
});

test("nested tqdm bars: the tail shows the outer bar and the current inner one, not every state they went through", async () => {
  // Recorded from tqdm by test/run/fixtures/progress/record.py, cut in the second epoch.
  const recorded = readFileSync(join(import.meta.dir, "../run/fixtures/progress/tqdm-nested.out"), "latin1");
  const bars = recorded.slice(0, recorded.indexOf("\n\rbatch:  75%", recorded.indexOf("\n\rbatch:  75%") + 1));
  box.write("bars.out", bars);
  const r = await mmn(box, ["run", "--", "cat", "bars.out"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(bars);
  expect(dmPosts()[0]!.message).toEndWith(
    "\n```\nepochs:  33%|##########6                     | 1/3\nbatch:  50%|################5                | 2/4\n```",
  );
});

test("in a channel the notifying reply @-mentions someone: --mention NAME, mention= in the configuration, else a warning", async () => {
  const inChannel = () => server.postsIn(server.channels.general.id);
  const named = await mmn(box, ["run", "-c", "general", "--mention", "bob", "--", "true"]);
  expect(named.code).toBe(0);
  expect(inChannel()[1]!.message).toStartWith("@bob ✅ **`true`** succeeded");

  server.reset();
  const configured = sandbox(server, { channel: "general", mention: "alice" });
  expect((await mmn(configured, ["run", "--", "true"])).code).toBe(0);
  expect(inChannel()[1]!.message).toStartWith("@alice ✅");

  server.reset();
  const silent = await mmn(sandbox(server, { channel: "general" }), ["run", "--", "true"]);
  expect(silent.stderr).toContain(
    "mmn: in ~general the final reply notifies only people who follow its thread: --mention NAME (or mention= in the configuration) notifies someone\n",
  );
  expect(inChannel()[1]!.message).toStartWith("✅");

  // Alone, as before: the user the run reports to.
  server.reset();
  expect((await mmn(box, ["run", "--mention", "--", "true"])).code).toBe(0);
  expect(dmPosts()[1]!.message).toStartWith("@alice ✅");
});

test("--attach: what the job made goes on the final reply; nothing matched, too large or another user's link is a note", async () => {
  const script = [
    "mkdir -p out",
    "for i in 1 2 3 4 5 6 7 8 9 10 11; do printf $i > out/plot$i.png; done",
    "head -c 100000 /dev/zero > out/model.bin",
    "echo made",
  ].join("; ");
  const r = await mmn(box, [
    "run",
    "--attach",
    "out/*.png",
    "--attach",
    "out/*.bin",
    "--attach",
    "missing/*.csv",
    "--",
    "sh",
    "-c",
    script,
  ]);
  expect(r.code).toBe(0);
  const [status, reply, ...more] = dmPosts();
  expect(reply!.root_id).toBe(status!.id);
  expect(reply!.message).toContain(
    "\n(`out/model.bin` (98 KiB) is larger than the server takes (64 KiB): not attached)",
  );
  expect(reply!.message).toContain("\n(nothing matched `missing/*.csv`)");
  // At most ten files on a post: the log and nine plots, the rest in the thread.
  const names = (post: Post) => (post.file_ids ?? []).map((id) => server.files.get(id)!.info.name);
  expect(names(reply!)).toHaveLength(10);
  expect(names(reply!)[0]).toEndWith(".log");
  const attached = [...names(reply!), ...more.flatMap(names)].filter((name) => name.endsWith(".png")).sort();
  expect(attached).toEqual(Array.from({ length: 11 }, (_, i) => `plot${i + 1}.png`).sort());
  expect(more.every((post) => post.root_id === status!.id)).toBe(true);
});

test.skipIf(process.geteuid?.() !== 0)(
  "--attach does not follow another user's symlink (a secret planted in a shared directory)",
  async () => {
    const secret = box.write("secret.key", "private\n");
    const link = join(box.cwd, "result.txt");
    symlinkSync(secret, link);
    lchownSync(link, 4242, 4242);
    const r = await mmn(box, ["run", "--attach", "*.txt", "--", "true"]);
    expect(r.code).toBe(0);
    const [, reply] = dmPosts();
    expect(reply!.message).toContain("(result.txt: a symlink of another user's, not attached)");
    expect(sent()).not.toContain("private");
  },
);

test("--thread ID: a workflow's steps in one thread, its root made by the first step that names it", async () => {
  for (const step of ["prepare", "train"]) {
    const r = await mmn(box, ["run", "--thread", "pipeline", "--title", step, "--", "echo", step]);
    expect(r.code).toBe(0);
  }
  const posts = dmPosts();
  const roots = posts.filter((p) => !p.root_id);
  expect(roots.map((p) => p.message)).toEqual(["🧵 **pipeline**"]);
  const thread = posts.filter((p) => p.root_id === roots[0]!.id).map((p) => p.message.split(" on ")[0]);
  expect(thread).toEqual([
    "✅ **prepare** succeeded",
    "✅ **prepare** succeeded",
    "✅ **train** succeeded",
    "✅ **train** succeeded",
  ]);
  expect((await mmn(box, ["run", "--thread", "a/b", "--", "true"])).code).toBe(2);
});
