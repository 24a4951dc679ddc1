// A failure that wakes you: the urgent root post beside the reply, through the binary.
import { describe, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { standIns } from "../helpers/stand-ins.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
  s.settings.postPriority = "licensed";
});

const env = { MMN_TEST_FINISH_MS: "4000" };
const fail = ["run", "--title", "train", "--", "sh", "-c", "echo boom; exit 4"];
const urgentPosts = () => alicePosts(server).filter((p) => p.metadata?.priority);
const roots = () => alicePosts(server).filter((p) => !p.root_id);
/** What the server was asked to post with a priority, answered or not. */
const asked = () =>
  server.requests
    .filter((r) => r.path === "/api/v4/posts" && (r.body as { metadata?: unknown } | undefined)?.metadata)
    .map((r) => ({ status: r.status, priority: (r.body as { metadata: { priority: unknown } }).metadata.priority }));

describe("mmn run: a failure that wakes you", () => {
  test("a failed run: a new root post, urgent with ack and reminders, linking the run's thread", async () => {
    const r = await mmn(box, fail, { env });
    expect(r.code).toBe(4);
    const [status, urgent] = roots();
    expect(urgent?.message).toMatch(/^🚨 ❌ \*\*train\*\* failed with exit code 4 on /);
    expect(urgent?.message).toContain(`[the job's thread](${server.url}/_redirect/pl/${status?.id})`);
    expect(urgent?.metadata.priority as unknown).toEqual({
      priority: "urgent",
      requested_ack: true,
      persistent_notifications: true,
    });
    // The reply is there as before, in the thread, without a priority.
    const replies = alicePosts(server).filter((p: Post) => p.root_id === status?.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.metadata.priority).toBeUndefined();
  });

  test("a run that succeeds, or --urgent never: no urgent post", async () => {
    expect((await mmn(box, ["run", "--", "true"], { env })).code).toBe(0);
    expect((await mmn(box, ["run", "--urgent", "never", "--", "false"], { env })).code).toBe(1);
    expect(urgentPosts()).toEqual([]);
    expect(asked()).toEqual([]);
  });

  test("an end --on does not push (a quiet end): no urgent post either, the status post alone tells it", async () => {
    const r = await mmn(box, ["run", "--on", "begin", "--title", "train", "--", "sh", "-c", "exit 4"], { env });
    expect(r.code).toBe(4);
    const [status, ...others] = roots();
    expect(others).toEqual([]);
    expect(status?.message).toStartWith("❌ **train** failed with exit code 4");
    expect(asked()).toEqual([]);
  });

  test("without a licence: urgent alone, and --verbose says what the server refused", async () => {
    server.settings.postPriority = "unlicensed";
    const r = await mmn(box, ["--verbose", ...fail], { env });
    expect(r.code).toBe(4);
    expect(asked()).toEqual([
      { status: 501, priority: { priority: "urgent", requested_ack: true, persistent_notifications: true } },
      { status: 201, priority: { priority: "urgent" } },
    ]);
    expect(urgentPosts().map((p) => p.metadata.priority as unknown)).toEqual([{ priority: "urgent" }]);
    expect(r.stderr).toContain("Feature unavailable for current license. (HTTP 501)");
    expect(r.stderr).toContain("the failure is told urgently (urgent priority)");
  });

  test("priority off: nothing more than the reply, as before, and --verbose says why", async () => {
    server.settings.postPriority = "off";
    const quiet = await mmn(box, fail, { env });
    expect(quiet.code).toBe(4);
    expect(quiet.stderr).not.toContain("priority");
    const r = await mmn(box, ["--verbose", ...fail], { env });
    expect(r.code).toBe(4);
    expect(urgentPosts()).toEqual([]);
    expect(asked().every((a) => a.status === 403)).toBe(true);
    // A 403 for a priority without reminders is the feature off (api4's postPriorityCheck):
    // urgent alone is not asked then. Two runs, two asks each.
    expect(asked().map((a) => a.priority)).toEqual([
      { priority: "urgent", requested_ack: true, persistent_notifications: true },
      { priority: "urgent", requested_ack: true },
      { priority: "urgent", requested_ack: true, persistent_notifications: true },
      { priority: "urgent", requested_ack: true },
    ]);
    expect(r.stderr).toContain("api.post.post_priority.priority_post_not_allowed_for_user.request_error");
    expect(r.stderr).toContain("the server allows no message priority here: the failure is told without");
    // Two runs, each a status post and its reply: the failure was told all the same.
    expect(roots()).toHaveLength(2);
    expect(alicePosts(server).filter((p) => p.root_id)).toHaveLength(2);
  });
});

/**
 * A Slurm job 100 s into a limit of 108 s: its 90 % is past at the start, so its warning is said
 * a moment after it (no wait for the clock); the command ends when the test says so.
 */
async function nearItsLimit(args: string[]): Promise<{ code: number; stderr: string }> {
  const now = Math.floor(Date.now() / 1000);
  const env = {
    SLURM_JOB_ID: "78",
    SLURM_JOB_NAME: "sweep",
    SLURM_JOB_START_TIME: String(now - 100),
    SLURM_JOB_END_TIME: String(now + 8),
    PATH: `/nonexistent:${box.env.PATH}`,
    // Said 0.1 s after the start, not 1 s.
    MMN_TEST_LATE_WARNING_MS: "100",
  };
  return runUntil(box, args, env, "⏰", 0);
}

/** A run whose command ends (with `exit`) once a post holding `news` is at the server. */
async function runUntil(
  where: Sandbox,
  args: string[],
  env: Record<string, string>,
  news: string,
  exit: number,
): Promise<{ code: number; stderr: string }> {
  const proc = Bun.spawn([...MMN, ...args, "--", "sh", "-c", `while [ ! -e go ]; do sleep 0.05; done; exit ${exit}`], {
    cwd: where.cwd,
    env: { ...where.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  await waitFor(() => alicePosts(server).some((p) => p.message.includes(news)), 15_000, news);
  writeFileSync(join(where.cwd, "go"), "");
  const code = await proc.exited;
  return { code, stderr: await new Response(proc.stderr).text() };
}

describe("--urgent takes --on's words", () => {
  test("--urgent fail,time-limit-90: the warning goes as an urgent root post linking the thread, not as a reply", async () => {
    const r = await nearItsLimit(["run", "--urgent", "fail,time-limit-90"]);
    expect(r.code).toBe(0);
    const [status, warning, ...others] = roots();
    expect(others).toEqual([]);
    expect(warning?.message).toMatch(/^🚨 ⏰ \*\*sweep 78\*\* has \ds left of its time limit of 0:01:48/);
    expect(warning?.message).toContain(`[the job's thread](${server.url}/_redirect/pl/${status?.id})`);
    expect(warning?.metadata.priority as unknown).toEqual({
      priority: "urgent",
      requested_ack: true,
      persistent_notifications: true,
    });
    // The thread has the end's reply alone: one push for the warning, not two.
    const replies = alicePosts(server).filter((p) => p.root_id === status?.id);
    expect(replies.map((p) => p.message)).toEqual([expect.stringMatching(/^✅ /)]);
  });

  test("--on end --urgent time-limit-90: naming it urgent asks for it to be told", async () => {
    expect((await nearItsLimit(["run", "--on", "end", "--urgent", "time-limit-90"])).code).toBe(0);
    expect(urgentPosts().map((p) => p.message)).toEqual([expect.stringMatching(/^🚨 ⏰ /)]);
  });

  test("the default: the warning is a reply, without priority", async () => {
    expect((await nearItsLimit(["run"])).code).toBe(0);
    const [status, ...others] = roots();
    expect(others).toEqual([]);
    const replies = alicePosts(server).filter((p) => p.root_id === status?.id);
    expect(replies.map((p) => p.message)).toEqual([expect.stringMatching(/^⏰ /), expect.stringMatching(/^✅ /)]);
    expect(asked()).toEqual([]);
  });

  test("priority off: the urgent warning is the reply after all, and --verbose says why", async () => {
    server.settings.postPriority = "off";
    const r = await nearItsLimit(["--verbose", "run", "--urgent", "time-limit-90,fail"]);
    expect(r.code).toBe(0);
    const [status, ...others] = roots();
    expect(others).toEqual([]);
    const replies = alicePosts(server).filter((p) => p.root_id === status?.id);
    expect(replies.map((p) => p.message)).toEqual([expect.stringMatching(/^⏰ /), expect.stringMatching(/^✅ /)]);
    expect(r.stderr).toContain("the server allows no message priority here: the news is told without");
  });

  test("a word mmn does not know: refused with the one likely meant, exit 2, nothing runs, nothing sent", async () => {
    const r = await mmn(box, ["run", "--urgent", "fail,tme-limit-90", "--", "touch", "ran"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--urgent takes begin, end, fail, requeue, time-limit-50, time-limit-80, time-limit-90");
    expect(r.stderr).toContain('not "tme-limit-90" (did you mean time-limit-90?)');
    expect(readdirSync(box.cwd)).not.toContain("ran");
    expect(server.requests.filter((q) => q.method !== "GET")).toEqual([]);
  });

  test("urgent= in the configuration: begin,fail makes the start and the failure urgent; never, nothing; a flag wins", async () => {
    const loud = sandbox(server, { user: "alice", urgent: "begin,fail" });
    expect((await runUntil(loud, ["run", "--title", "train"], env, "▶️", 1)).code).toBe(1);
    const [status, ...urgent] = roots();
    expect(urgent.map((p) => p.message)).toEqual([
      expect.stringMatching(/^🚨 ▶️ \*\*train\*\* started on /),
      expect.stringMatching(/^🚨 ❌ \*\*train\*\* failed with exit code 1/),
    ]);
    expect(urgent.every((p) => p.message.includes(`/_redirect/pl/${status?.id})`))).toBe(true);
    // The start's news went urgent instead of as a reply; the failure's reply is there as before.
    expect(alicePosts(server).filter((p) => p.root_id === status?.id)).toHaveLength(1);
    server.reset();
    expect((await mmn(loud, ["run", "--urgent", "never", "--", "false"], { env })).code).toBe(1);
    const quiet = sandbox(server, { user: "alice", urgent: "never" });
    expect((await mmn(quiet, ["run", "--", "false"], { env })).code).toBe(1);
    expect(asked()).toEqual([]);
    const wrong = sandbox(server, { user: "alice", urgent: "sometimes" });
    const r = await mmn(wrong, ["run", "--", "false"], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/urgent=sometimes in \S+ takes .*: using fail/);
    expect(urgentPosts()).toHaveLength(1);
  });
});

const slurm = standIns();

describe("--urgent and the ends that are no failure", () => {
  /** A job scancelled: the scheduler says CANCELLED when mmn asks, after the SIGTERM. */
  async function scancelled(args: string[]): Promise<number> {
    slurm.reset();
    slurm.add("scontrol", 'echo "JobId=71 JobName=bravo JobState=COMPLETING Restarts=0"');
    slurm.add(
      "squeue",
      `case "$*" in *--json*) echo '{"jobs":[{"job_state":["CANCELLED","COMPLETING"]}]}';; *) exit 1;; esac`,
    );
    const proc = Bun.spawn([...MMN, "run", ...args, "--", "bash", "-c", "echo ready $$; exec sleep 30"], {
      cwd: box.cwd,
      env: { ...box.env, ...env, PATH: `${slurm.bin}:${box.env.PATH}`, SLURM_JOB_ID: "71", SLURM_JOB_NAME: "bravo" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const first = new TextDecoder().decode((await proc.stdout.getReader().read()).value).trim();
    await waitFor(() => roots().length === 1, 5000, "the status post");
    process.kill(Number(first.split(" ")[1]), "SIGTERM");
    return proc.exited;
  }

  test("a scancelled job is no failure: not urgent under fail; urgent under end, which names every end", async () => {
    expect(await scancelled(["--urgent", "fail"])).toBe(143);
    expect(
      alicePosts(server)
        .filter((p) => p.root_id)
        .map((p) => p.message),
    ).toEqual([expect.stringMatching(/^🛑 \*\*bravo 71\*\* was cancelled/)]);
    expect(asked()).toEqual([]);
    server.reset();
    expect(await scancelled(["--urgent", "end"])).toBe(143);
    expect(urgentPosts().map((p) => p.message)).toEqual([
      expect.stringMatching(/^🚨 🛑 \*\*bravo 71\*\* was cancelled/),
    ]);
  });

  test("--urgent requeue: a requeued job's new start is an urgent root post", async () => {
    const requeue = {
      ...env,
      SLURM_JOB_ID: "79",
      SLURM_JOB_NAME: "sim",
      SLURM_RESTART_COUNT: "1",
      PATH: `/nonexistent:${box.env.PATH}`,
    };
    expect((await runUntil(box, ["run", "--on", "requeue,end", "--urgent", "requeue"], requeue, "🔁", 0)).code).toBe(0);
    expect(urgentPosts().map((p) => p.message)).toEqual([
      expect.stringMatching(/^🚨 🔁 \*\*sim 79\*\* \(restart 1\S*\) was requeued and starts again on /),
    ]);
  });
});
