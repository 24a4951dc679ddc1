import { expect, test } from "bun:test";
import { mkdirSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { MMN, mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { standIns } from "../helpers/stand-ins.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// mmn relay --status: what waits in the outbox, a line a post, and the runs that still say
// running; from the files alone, no request made.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});
const slurm = standIns();

const outboxRoot = () => join(box.home, ".local/state/mmn/outbox");
const runsDir = () => join(box.home, ".local/state/mmn/hooks/.runs");
const env = () => ({ ...box.env, PATH: `${slurm.bin}:${box.env.PATH}` });
const HOUR = 3600_000;

test("mmn relay --status: each queued post with its count, the oldest's age, its host and who delivers it; the runs still running", async () => {
  slurm.reset();
  expect(await mmn(box, ["run", "--delivery", "outbox", "--", "bash", "-c", "echo hi; exit 4"])).toMatchObject({
    code: 4,
  });
  expect((await mmn(box, ["send", "--delivery", "outbox", "-u", "alice", "a note kept"])).code).toBe(0);
  const [host] = readdirSync(outboxRoot()).filter((n) => n !== "posted");
  const dir = join(outboxRoot(), host!);
  const kept = readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort();
  // The run's entries (its post, edits, the final reply: one post) and the note: the run's two hours older.
  const note = kept.at(-1)!;
  const runEntries = kept.slice(0, -1);
  for (const name of runEntries)
    renameSync(
      join(dir, name),
      join(
        dir,
        name.replace(/^\d{14}/, (t) => String(Number(t) - 2 * HOUR).padStart(14, "0")),
      ),
    );
  // Another host's relay holds the note now.
  mkdirSync(join(dir, "claimed"), { recursive: true });
  renameSync(join(dir, note), join(dir, "claimed", `${note}~login2@4242`));

  const run = Bun.spawn([...MMN, "run", "--", "sleep", "30"], {
    cwd: box.cwd,
    env: env(),
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    // The run kept in the outbox is registered too: its status says running until the relay delivers its end.
    await waitFor(
      () => readdirSync(runsDir()).filter((name) => name.endsWith(".run")).length === 2,
      5000,
      "the registered run",
    );
    const before = server.requests.length;
    const status = await mmn(box, ["relay", "--status"], { env: env() });
    expect(server.requests.length).toBe(before);
    expect(status.code).toBe(0);
    expect(status.stderr).toBe("");
    const lines = status.stdout.split("\n");
    expect(lines[0]).toBe(`queued in the outbox (${outboxRoot()}):`);
    const date = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d";
    expect(lines[1]).toMatch(
      new RegExp(
        `^  post 00[a-z0-9]{24} "⏳ \\*\\*\`bash -c 'echo hi; exit 4'\`\\*\\* is running on .*" from ${host}: ${runEntries.length} messages, the oldest 2 h 00 min ago \\(${date}\\)$`,
      ),
    );
    expect(runEntries.length).toBeGreaterThanOrEqual(2);
    expect(lines[2]).toMatch(
      new RegExp(
        `^  post 00[a-z0-9]{24} "a note kept" from ${host}: 1 message, the oldest \\d s ago \\(${date}\\), being delivered by login2@4242$`,
      ),
    );
    expect(lines[3]).toBe(`runs that still say running (${runsDir()}):`);
    const runLines = lines.slice(4, 6).sort();
    expect(runLines[0]).toMatch(
      new RegExp(`^  \`bash -c 'echo hi; exit 4'\`\tpid \\d+ on \\S+\tsince ${date} \\(\\d s ago\\)$`),
    );
    expect(runLines[1]).toMatch(new RegExp(`^  \`sleep 30\`\tpid ${run.pid} on \\S+\tsince ${date} \\(\\d s ago\\)$`));
    expect(lines.slice(6)).toEqual([""]);

    const json = await mmn(box, ["relay", "--status", "--json"], { env: env() });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.outbox).toHaveLength(2);
    expect(parsed.outbox[0]).toMatchObject({ host, entries: runEntries.length, claimed_by: null });
    expect(Date.now() - Date.parse(parsed.outbox[0].oldest)).toBeGreaterThan(2 * HOUR - 60_000);
    expect(parsed.outbox[1]).toMatchObject({ host, entries: 1, claimed_by: "login2@4242", preview: "a note kept" });
    expect(parsed.runs).toHaveLength(2);
    expect(parsed.runs).toContainEqual(
      expect.objectContaining({ pid: run.pid, job_id: null, post_id: alicePosts(server)[0]!.id }),
    );
  } finally {
    run.kill("SIGKILL");
    await run.exited;
  }
});

test("mmn relay --status with nothing queued or running says so, exit 0; --json without --status is refused", async () => {
  const status = await mmn(box, ["relay", "--status"]);
  expect(status.code).toBe(0);
  expect(status.stdout).toBe("");
  expect(status.stderr).toContain(`nothing queued in the outbox (${outboxRoot()})`);
  expect(status.stderr).toContain("no run says running");
  expect(JSON.parse((await mmn(box, ["relay", "--status", "--json"])).stdout)).toEqual({ outbox: [], runs: [] });
  const refused = await mmn(box, ["relay", "--once", "--json"]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("--json is for mmn relay --status");
  expect(server.requests).toEqual([]);
});
