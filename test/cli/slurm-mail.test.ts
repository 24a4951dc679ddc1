/**
 * `mmn slurm-mail` as slurmctld's MailProg, and the site's `mmn relay` that delivers what it
 * spooled: the environment Slurm 22.05 gives MailProg (seen on the cluster suite's Slurm),
 * one message per job, each user's own Mattermost user, and the call's time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

const asRoot = process.geteuid?.() === 0 ? test : test.skip;
/** Slurm's SlurmUser on a site: a second local user (setpriv, as root). */
const SLURM_USER = 4242;

let server: TestServer;
const people = new Map<string, string>();
beforeAll(async () => {
  server = await startTestServer();
  people.set("carol", server.addUser("carol").id);
  for (const user of Object.values(server.users)) people.set(user.username, user.id);
});
afterAll(() => server.close());

let box: Sandbox;
let spool: string;
beforeEach(() => {
  server.reset();
  box = sandbox(server);
  spool = join(box.home, "spool");
  const map = box.write("mail-map", "# slurm  mattermost\nslurmbob bob\n");
  chmodSync(map, 0o644);
  box.write("site.rc", `url=${server.url}\ntoken=${server.token}\nteam=research\nspool=${spool}\nmail-map=${map}\n`);
  chmodSync(join(box.cwd, "site.rc"), 0o600);
});

/** What slurmctld 22.05 sets for MailProg (the cluster suite's dump), for job `id`. */
function slurmEnv(id: string, type: "Began" | "Ended" | "Failed", user = "alice") {
  const ended = type !== "Began";
  return {
    MMN_CONFIG: join(box.cwd, "site.rc"),
    SLURM_JOB_ID: id,
    SLURM_JOBID: id,
    SLURM_JOB_USER: user,
    SLURM_JOB_UID: "4242",
    SLURM_JOB_NAME: "train",
    SLURM_JOB_MAIL_TYPE: type,
    SLURM_JOB_NODELIST: "node7",
    SLURM_JOB_STATE: type === "Began" ? "RUNNING" : type === "Failed" ? "FAILED" : "COMPLETED",
    ...(ended
      ? { SLURM_JOB_RUN_TIME: "00:10:02", SLURM_JOB_EXIT_CODE_MAX: type === "Failed" ? "3" : "0" }
      : { SLURM_JOB_QUEUED_TIME: "00:00:02" }),
  };
}
const subject = (id: string, type: string) =>
  `Slurm Job_id=${id} Name=train ${type}, Run time 00:10:02, COMPLETED, ExitCode 0`;

const mail = (id: string, type: "Began" | "Ended" | "Failed", recipient: string, user?: string) =>
  mmn(box, ["slurm-mail", "-s", subject(id, type), recipient], { env: slurmEnv(id, type, user) });
const relay = () => mmn(box, ["relay", "--once"], { env: { MMN_CONFIG: join(box.cwd, "site.rc") } });
const dm = (name: string) => server.postsIn(server.dmChannelWith(people.get(name)!)?.id ?? "none");

describe("mmn slurm-mail", () => {
  test("hands the event to the spool (0600 in 0700) and returns; nothing goes to the server", async () => {
    const r = await mail("12", "Began", "alice");
    expect(r).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(statSync(spool).mode & 0o777).toBe(0o700);
    const [file, ...more] = readdirSync(spool);
    expect(more).toEqual([]);
    expect(statSync(join(spool, file!)).mode & 0o777).toBe(0o600);
    expect(server.requests).toEqual([]);
  });

  test("BEGIN then END: one message to the user, edited, and one reply that notifies", async () => {
    expect((await mail("12", "Began", "alice")).code).toBe(0);
    let r = await relay();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("mail: job 12 began → @alice");
    expect(dm("alice").map((p) => p.message)).toEqual([
      "⏳ **train 12** is running on `node7` (started after 00:00:02 in the queue)",
    ]);
    expect((await mail("12", "Failed", "alice")).code).toBe(0);
    r = await relay();
    expect(r.code).toBe(0);
    const [root, reply, ...more] = dm("alice");
    expect(more).toEqual([]);
    expect(root!.message).toBe("❌ **train 12** FAILED with exit code 3 after 00:10:02 on `node7`");
    expect(reply!.root_id).toBe(root!.id);
    expect(reply!.message).toBe(root!.message);
    expect(readdirSync(spool)).toEqual([]);
  });

  test("the subject where the environment says nothing (older Slurm)", async () => {
    const r = await mmn(
      box,
      ["slurm-mail", "-s", "Slurm Job_id=40 Name=sim Ended, Run time 01:00:00, TIMEOUT, ExitCode 0", "alice"],
      {
        env: { MMN_CONFIG: join(box.cwd, "site.rc") },
      },
    );
    expect(r.code).toBe(0);
    await relay();
    expect(dm("alice").map((p) => p.message)).toEqual(["⏰ **sim 40** TIMEOUT after 01:00:00"]);
  });

  test("the recipient: the same name, the mapping file's, @name directly; an unknown one logged and sent nowhere", async () => {
    expect((await mail("21", "Ended", "slurmbob", "slurmbob")).code).toBe(0);
    expect((await mail("22", "Ended", "@carol", "slurmcarol")).code).toBe(0);
    expect((await mail("23", "Ended", "nobody@example.org", "dave")).code).toBe(0);
    expect((await mail("24", "Ended", "dave", "dave")).code).toBe(0);
    const r = await relay();
    expect(dm("bob").map((p) => p.message)).toEqual(["✅ **train 21** COMPLETED after 00:10:02 on `node7`"]);
    expect(dm("carol").map((p) => p.message)).toEqual(["✅ **train 22** COMPLETED after 00:10:02 on `node7`"]);
    expect(r.stderr).toContain('job 23\'s recipient "nobody@example.org" is no Mattermost user: not sent');
    expect(r.stderr).toContain("job 24 for @dave:");
    const made = server.requests.filter((q) => q.method === "POST" && q.path === "/api/v4/posts");
    expect(made).toHaveLength(2);
    expect(readdirSync(spool)).toEqual([]);
  });

  test("an array's task mails (ARRAY_TASKS) are one board: a task's failure and the array's end reply, nothing else", async () => {
    const task = (t: number, jobId: number, type: "Began" | "Ended" | "Failed", exit = "0") =>
      mmn(box, ["slurm-mail", "-s", `Slurm Array Task Job_id=50_${t} (${jobId}) Name=sweep ${type}`, "alice"], {
        env: {
          ...slurmEnv(String(jobId), type),
          SLURM_JOB_NAME: "sweep",
          SLURM_ARRAY_JOB_ID: "50",
          SLURM_ARRAY_TASK_ID: String(t),
          SLURM_ARRAY_TASK_COUNT: "3",
          ...(type === "Began" ? {} : { SLURM_JOB_EXIT_CODE_MAX: exit }),
        },
      });
    for (const [t, id] of [
      [1, 50],
      [2, 51],
    ] as const)
      expect((await task(t, id, "Began")).code).toBe(0);
    await relay();
    expect(dm("alice").map((p) => p.message)).toEqual([
      "🗂️ **sweep** (array 50): 2 running, 0 succeeded, 0 failed of 3 tasks",
    ]);
    await task(1, 50, "Ended");
    await task(2, 51, "Failed", "5");
    await task(3, 52, "Began");
    await task(3, 52, "Ended");
    await relay();
    const [board, ...replies] = dm("alice");
    expect(board!.message).toBe("❌ **sweep** (array 50): 1 of 3 tasks failed (2: FAILED exit 5)");
    expect(replies.map((p) => [p.root_id, p.message])).toEqual([
      [board!.id, "❌ **sweep 50_2 (51)** FAILED with exit code 5 after 00:10:02 on `node7`"],
      [board!.id, board!.message],
    ]);
  });

  test("an array's summary (without ARRAY_TASKS): its start posts the board, its end edits it and replies", async () => {
    const summary = (type: "Began" | "Failed", tail: string, env: Record<string, string>) =>
      mmn(box, ["slurm-mail", "-s", `Slurm Array Summary Job_id=60_* (60) Name=sweep ${type}${tail}`, "alice"], {
        env: { MMN_CONFIG: join(box.cwd, "site.rc"), SLURM_JOB_ID: "60", SLURM_JOB_MAIL_TYPE: type, ...env },
      });
    // As Slurm 22.05 sends them: the end's environment is its last task's (COMPLETED, task 3).
    await summary("Began", "", { SLURM_JOB_STATE: "PENDING" });
    await summary("Failed", ", Mixed, ExitCode [0-5]", {
      SLURM_ARRAY_JOB_ID: "60",
      SLURM_ARRAY_TASK_ID: "3",
      SLURM_ARRAY_TASK_COUNT: "3",
      SLURM_JOB_STATE: "COMPLETED",
      SLURM_JOB_EXIT_CODE_MAX: "5",
    });
    await relay();
    const [board, ...replies] = dm("alice");
    expect(board!.message).toBe("❌ **sweep** (array 60) failed: Mixed, exit codes [0-5]");
    expect(replies.map((p) => p.message)).toEqual([board!.message]);
  });

  test("a job whose wrapped run spoke first: Slurm's mail is a reply in the run's thread, the run's status left as it is", async () => {
    const job = { SLURM_JOB_ID: "12", SLURM_JOB_NAME: "train", PATH: `/nonexistent:${box.env.PATH}` };
    expect((await mmn(box, ["run", "-u", "alice", "--", "true"], { env: job })).code).toBe(0);
    const [status, reply] = dm("alice");
    expect(status!.message).toStartWith("✅ **train 12** succeeded");
    expect((await mail("12", "Ended", "alice")).code).toBe(0);
    expect((await relay()).code).toBe(0);
    const posts = dm("alice");
    expect(posts.filter((p) => !p.root_id).map((p) => p.id)).toEqual([status!.id]);
    expect(posts.find((p) => p.id === status!.id)!.message).toBe(status!.message);
    expect(posts.filter((p) => p.root_id === status!.id).map((p) => p.message)).toEqual([
      reply!.message,
      "✅ **train 12** COMPLETED after 00:10:02 on `node7`",
    ]);
  });

  test("a job whose mail spoke first (BEGIN): its wrapped run tells its story in the mail's thread, one message for the job", async () => {
    expect((await mail("13", "Began", "alice")).code).toBe(0);
    expect((await relay()).code).toBe(0);
    const [root] = dm("alice");
    const job = { SLURM_JOB_ID: "13", SLURM_JOB_NAME: "train", PATH: `/nonexistent:${box.env.PATH}` };
    expect((await mmn(box, ["run", "-u", "alice", "--", "true"], { env: job })).code).toBe(0);
    const posts = dm("alice");
    expect(posts.filter((p) => !p.root_id).map((p) => p.id)).toEqual([root!.id]);
    expect(posts.filter((p) => p.root_id === root!.id).length).toBeGreaterThan(0);
  });

  asRoot(
    "as SlurmUser (uid 4242): MMN_CONFIG root's, 0640 to its group, read without a warning; the spool made its own",
    async () => {
      const site = mkdtempSync(join(tmpdir(), "mmn-site-"));
      chmodSync(site, 0o755);
      const rc = join(site, "site.rc");
      const slurmSpool = join(site, "var", "spool");
      mkdirSync(join(site, "var"));
      chownSync(join(site, "var"), SLURM_USER, SLURM_USER);
      writeFileSync(rc, `url=${server.url}\ntoken=${server.token}\nteam=research\nspool=${slurmSpool}\n`);
      chownSync(rc, 0, SLURM_USER);
      chmodSync(rc, 0o640);
      const r = await mmn(box, ["slurm-mail", "-s", subject("14", "Began"), "alice"], {
        env: { ...slurmEnv("14", "Began"), MMN_CONFIG: rc, HOME: site },
        uid: SLURM_USER,
      });
      expect(r).toMatchObject({ code: 0, stdout: "", stderr: "" });
      expect(statSync(slurmSpool)).toMatchObject({ uid: SLURM_USER, mode: 0o40700 });
      expect(readdirSync(slurmSpool)).toHaveLength(1);
      // Readable by others, the token is said to be: the group is the only door.
      chmodSync(rc, 0o644);
      const loud = await mmn(box, ["slurm-mail", "-s", subject("14", "Ended"), "alice"], {
        env: { ...slurmEnv("14", "Ended"), MMN_CONFIG: rc, HOME: site },
        uid: SLURM_USER,
      });
      expect(loud.stderr).toContain(`${rc} holds a token and other users can read it`);
      expect(loud.stderr).not.toContain(server.token);
    },
  );

  test("a spool open to others is refused: the call fails loudly for slurmctld's log, nothing kept", async () => {
    mkdirSync(spool, { mode: 0o777 });
    chmodSync(spool, 0o777);
    const r = await mail("30", "Began", "alice");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the spool ${spool} is open to others (mode 777)`);
    expect(readdirSync(spool)).toEqual([]);
  });

  test("the call's time: well within 20 ms of slurmctld's (median of 15)", async () => {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = performance.now();
      const proc = Bun.spawn([...MMN, "slurm-mail", "-s", subject(String(100 + i), "Began"), "alice"], {
        cwd: box.cwd,
        env: { ...box.env, ...slurmEnv(String(100 + i), "Began") },
      });
      expect(await proc.exited).toBe(0);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[7]!;
    console.log(
      `slurm-mail per call: median ${median.toFixed(1)} ms, min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)} ms`,
    );
    expect(readdirSync(spool)).toHaveLength(15);
    expect(median).toBeLessThan(100);
  });
});
