import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { MMN, mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { standIns } from "../helpers/stand-ins.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// mmn watch on a "login node": stand-ins for squeue, scontrol and sacct answer from files the
// test rewrites; the watch polls every 30 ms, and the test waits for what the server received.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});
const slurm = standIns();

const roots = () => alicePosts(server).filter((p) => !p.root_id);
const replies = () => alicePosts(server).filter((p) => p.root_id);
const env = (more: Record<string, string> = {}) => ({
  ...box.env,
  PATH: `${slurm.bin}:${box.env.PATH}`,
  MMN_TEST_WATCH_POLL_MS: "30",
  ...more,
});

/** squeue, scontrol and sacct answer what the files say; the queue is rewritten as the test goes. */
function scheduler(queue: string[], more: { scontrol?: string; sacct?: string } = {}) {
  slurm.reset();
  const file = (name: string) => join(slurm.bin, name);
  const setQueue = (lines: string[]) => writeFileSync(file("queue.txt"), lines.map((l) => `${l}\n`).join(""));
  setQueue(queue);
  writeFileSync(file("scontrol.txt"), more.scontrol ?? "");
  writeFileSync(file("sacct.txt"), more.sacct ?? "");
  slurm.add("squeue", `cat ${file("queue.txt")}`);
  slurm.add("scontrol", `[ -s ${file("scontrol.txt")} ] || exit 1; cat ${file("scontrol.txt")}`);
  writeFileSync(file("runs.txt"), "");
  slurm.add(
    "sacct",
    `f=${file("sacct.txt")}; case "$*" in *--duplicates*) f=${file("runs.txt")};; esac; [ -s $f ] || exit 1; cat $f`,
  );
  return {
    setQueue,
    setSacct: (text: string) => writeFileSync(file("sacct.txt"), text),
    /** `sacct --duplicates -o Start,State`: a requeued job's runs. */
    setRuns: (text: string) => writeFileSync(file("runs.txt"), text),
  };
}

function watch(args: string[], more: Record<string, string> = {}) {
  const proc = Bun.spawn([...MMN, "watch", ...args], { cwd: box.cwd, env: env(more), stdout: "pipe", stderr: "pipe" });
  return {
    proc,
    async result() {
      const [code, stdout, stderr] = await Promise.all([
        proc.exited,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      return { code, stdout, stderr };
    },
  };
}

const current = (post: Post) => server.postsIn(post.channel_id).find((p) => p.id === post.id)!;
const says = (pattern: RegExp, what: string) =>
  waitFor(() => roots().some((p) => pattern.test(current(p).message)), 5000, what);

const SUBMIT = "2026-12-07T01:00:00";
const line = (state: string, reason: string, start = "N/A", end = "N/A") =>
  `42|42|N/A|${state}|${reason}|${SUBMIT}|${start}|${end}|10:00|train`;

describe("mmn watch JOBID", () => {
  test("one message from queued to ended, edited; the StdOut's tail; one reply at the end with the file; exit 0", async () => {
    const out = join(box.cwd, "train.out");
    writeFileSync(out, "");
    const s = scheduler([line("PENDING", "Priority")], {
      scontrol: `JobId=42 JobName=train JobState=RUNNING Restarts=0 ExitCode=0:0 StdOut=${out}\n`,
    });
    const w = watch(["42"]);
    await says(/^⏳ \*\*train\*\* \(job 42\) is queued \(Priority\)$/, "queued");
    s.setQueue([line("PENDING", "JobHeldUser")]);
    await says(/is held \(JobHeldUser\)/, "held");
    s.setQueue([line("PENDING", "Resources")]);
    await says(/is queued \(Resources\)/, "released");
    writeFileSync(out, "epoch 1\nepoch 2\n");
    s.setQueue([line("RUNNING", "None", "2026-12-07T04:12:00")]);
    await says(
      /^▶️ \*\*train\*\* \(job 42\) is running: started after 3h 12m in the queue\n```\nepoch 1\nepoch 2\n```$/,
      "running, with its tail",
    );
    s.setQueue([line("SUSPENDED", "None", "2026-12-07T04:12:00")]);
    await says(/is suspended/, "suspended");
    s.setQueue([line("RUNNING", "None", "2026-12-07T04:12:00")]);
    await says(/is running[\s\S]*suspended for \d+s, then resumed/, "resumed");
    s.setSacct(
      "42|COMPLETED|0:0|2026-12-07T04:12:00|2026-12-07T04:13:02|62|00:31.000|0|2|2G\n42.batch|COMPLETED|0:0|2026-12-07T04:12:00|2026-12-07T04:13:02|62|00:31.000|524288K|2|2G\n",
    );
    s.setQueue([line("COMPLETED", "None", "2026-12-07T04:12:00", "2026-12-07T04:13:02")]);
    const { code, stdout, stderr } = await w.result();
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("job 42: ✅ **train** (job 42) COMPLETED, exit code 0 after 1m 02s of 10m 00s");
    const [status] = roots();
    expect(roots()).toHaveLength(1);
    expect(current(status!).message).toMatch(
      new RegExp(
        [
          "^✅ \\*\\*train\\*\\* \\(job 42\\) COMPLETED, exit code 0 after 1m 02s of 10m 00s",
          "started after 3h 12m in the queue",
          "suspended for \\d+s, then resumed",
          "CPU efficiency 25\\.0 % of 2 CPUs \\(31s of CPU time\\)",
          "MaxRSS 512 MiB of 2\\.0 GiB requested \\(25\\.0 %\\)$",
        ].join("\n"),
      ),
    );
    // The end alone pushed; everything before it edited the one message.
    expect(replies().map((p) => p.message)).toEqual([
      "✅ **train** (job 42) COMPLETED, exit code 0 after 1m 02s of 10m 00s",
    ]);
    expect(replies()[0]!.root_id).toBe(status!.id);
    expect(replies()[0]!.file_ids).toHaveLength(1);
  });
});

describe("mmn watch: what the scheduler says beside the run", () => {
  test("a requeue with its reason, then the run again; the scheduler's word on a failure; exit 4", async () => {
    const s = scheduler([line("RUNNING", "None", "2026-12-07T01:05:00")]);
    const w = watch(["42"]);
    await says(/is running: started after 5m 00s in the queue/, "running");
    s.setQueue([line("PENDING", "NodeDown")]);
    await says(
      /^🔁 \*\*train\*\* \(job 42\) is queued \(NodeDown\)\nstarted after 5m 00s in the queue\nrequeued once \(NodeDown\)$/,
      "requeued",
    );
    s.setQueue([line("RUNNING", "None", "2099-01-01T00:00:00")]);
    await says(/is running: started after/, "running again");
    s.setSacct("42|FAILED|3:0|2099-01-01T00:00:00|2099-01-01T00:01:00|60|00:10.000|0|1|1G\n");
    s.setQueue([line("FAILED", "NonZeroExitCode", "2099-01-01T00:00:00", "2099-01-01T00:01:00")]);
    const { code } = await w.result();
    expect(code).toBe(4);
    expect(replies().map((p) => p.message)).toEqual([
      "❌ **train** (job 42) FAILED, exit code 3 after 1m 00s of 10m 00s",
    ]);
    expect(current(roots()[0]!).message).toContain("\nrequeued once (NodeDown)\n");
  });

  test("a requeue squeue gives no reason for: accounting's word on the run that ended (NODE_FAIL)", async () => {
    const s = scheduler([line("RUNNING", "None", "2026-12-07T01:05:00")]);
    const w = watch(["42"]);
    await says(/is running/, "running");
    s.setRuns("2026-12-07T01:05:00|NODE_FAIL\n2026-12-07T01:20:00|PENDING\n");
    s.setQueue([line("PENDING", "None")]);
    await says(
      /^🔁 \*\*train\*\* \(job 42\) is queued\nstarted after 5m 00s in the queue\nrequeued once \(NODE_FAIL\)$/,
      "requeued",
    );
    w.proc.kill("SIGTERM");
    // Stopped before the job's end: not a success.
    expect((await w.result()).code).toBe(143);
    expect(slurm.askedOf("sacct")).toContain("--duplicates -X -n -P -j 42 -o Start,State");
  });

  // Slurm 22.05 gives a job whose node was set DOWN ExitCode 0:15 or 0:0 from one run to the next (test/cluster/watch.cluster.ts).
  test.each([
    ["0:15", ", killed by SIGTERM"],
    ["0:0", ""],
  ])(
    "the node set DOWN under it (ExitCode %s, no accounting): NODE_FAIL, never exit code 0; exit 4",
    async (exit, words) => {
      const s = scheduler([line("RUNNING", "None", "2026-12-07T01:05:00")]);
      const w = watch(["42"]);
      await says(/is running/, "running");
      writeFileSync(
        join(slurm.bin, "scontrol.txt"),
        `JobId=42 JobName=train JobState=NODE_FAIL Reason=NodeDown Dependency=(null) Restarts=0 ExitCode=${exit} RunTime=00:01:00 TimeLimit=00:10:00\n`,
      );
      s.setQueue([line("NODE_FAIL", "NodeDown", "2026-12-07T01:05:00", "2026-12-07T01:06:00")]);
      const { code, stderr } = await w.result();
      expect(stderr).toBe("");
      expect(code).toBe(4);
      const said = `❌ **train** (job 42) NODE_FAIL${words} after 1m 00s of 10m 00s`;
      expect(replies().map((p) => p.message)).toEqual([said]);
      expect(current(roots()[0]!).message).toStartWith(`${said}\nstarted after 5m 00s in the queue`);
    },
  );

  test("an afterok chain whose first step fails: the second says it will never run, and the watch returns", async () => {
    scheduler([
      `50|50|N/A|FAILED|NonZeroExitCode|${SUBMIT}|${SUBMIT}|${SUBMIT}|10:00|step1`,
      `51|51|N/A|PENDING|DependencyNeverSatisfied|${SUBMIT}|N/A|N/A|10:00|step2`,
    ]);
    const { code, stderr } = await watch(["50", "51"]).result();
    expect(stderr).toBe("");
    expect(code).toBe(4);
    const messages = roots().map((p) => current(p).message);
    expect(messages).toHaveLength(2);
    expect(messages).toContain(
      "⛔ step step2 (job 51) will never run: its dependency failed (Slurm: DependencyNeverSatisfied)",
    );
    expect(replies()).toHaveLength(2);
  });

  test("an array of 20 with a throttle of 4, scancelled: one board, one push", async () => {
    const task = (i: number, state: string, start = "N/A") =>
      `${7000 + i}|7000|${i}|${state}|${state === "PENDING" ? "JobArrayTaskLimit" : "None"}|${SUBMIT}|${start}|N/A|10:00|sweep`;
    const tasks = (states: (i: number) => [string, string?]) =>
      Array.from({ length: 20 }, (_, i) => task(i, ...states(i)));
    const s = scheduler(tasks((i) => (i < 4 ? ["RUNNING", SUBMIT] : ["PENDING"])));
    const w = watch(["7000"]);
    await says(
      /^🗂️ \*\*sweep\*\* \(array 7000\): 4 running, 0 succeeded, 0 failed, 16 waiting of 20 tasks$/,
      "the board",
    );
    s.setQueue(tasks((i) => (i < 4 ? ["CANCELLED", SUBMIT] : ["CANCELLED"])));
    const { code } = await w.result();
    expect(code).toBe(4);
    expect(roots()).toHaveLength(1);
    expect(current(roots()[0]!).message).toBe(
      "❌ **sweep** (array 7000): 0 succeeded, 4 failed of 20 tasks; 16 waiting tasks were cancelled (0: CANCELLED; 1: CANCELLED; 2: CANCELLED; 3: CANCELLED)",
    );
    expect(replies().map((p) => p.message)).toEqual([expect.stringContaining("16 waiting tasks were cancelled")]);
  });

  test("stopped by SIGINT before the job ends: exit 130, nothing more sent, nothing said", async () => {
    scheduler([line("PENDING", "Priority")]);
    const w = watch(["42"]);
    await says(/is queued \(Priority\)/, "queued");
    w.proc.kill("SIGINT");
    const { code, stdout, stderr } = await w.result();
    expect({ code, stdout, stderr }).toEqual({ code: 130, stdout: "", stderr: "" });
    expect(roots()).toHaveLength(1);
    expect(replies()).toEqual([]);
  });

  test("bad input: nothing asked, nothing sent", async () => {
    scheduler([]);
    expect(await mmn(box, ["watch"], { env: env() })).toMatchObject({ code: 2 });
    expect(await mmn(box, ["watch", "--all", "42"], { env: env() })).toMatchObject({ code: 2 });
    expect(await mmn(box, ["watch", "4;2"], { env: env() })).toMatchObject({ code: 2 });
    expect(slurm.askedOf("squeue")).toBe("");
    expect(alicePosts(server)).toEqual([]);
  });

  test("a job the scheduler does not know: said, and exit 4", async () => {
    scheduler([]);
    const { code, stderr } = await watch(["99"]).result();
    expect(code).toBe(4);
    expect(stderr).toContain("job 99: Slurm does not know it");
    expect(alicePosts(server)).toEqual([]);
  });
});

/** Slurm's local time without a zone, `seconds` ago. */
const ago = (seconds: number) => {
  const d = new Date(Date.now() - seconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
};

describe("--on: the same words as mmn run's, replies counted per policy", () => {
  /**
   * Queued, started, its limit lowered past 50, 80 and 90 % (scontrol update TimeLimit: a new
   * listing, no clock to wait for), requeued, started again, failed. Each listing is waited for
   * through two more questions to squeue (the pass that saw it has ended).
   */
  async function story(args: string[], more: Record<string, string> = {}) {
    const s = scheduler([line("PENDING", "Priority")]);
    const w = watch([...args, "42"], more);
    await says(/is queued \(Priority\)/, "queued");
    // 100 s in: 17 %, then 53 %, 83 % and 91 % of the lowered limit (8 s of margin under load).
    const start = ago(100);
    const listings = [
      [line("RUNNING", "None", start)],
      [line("RUNNING", "None", start).replace("|10:00|", "|3:10|")],
      [line("RUNNING", "None", start).replace("|10:00|", "|2:00|")],
      [line("RUNNING", "None", start).replace("|10:00|", "|1:50|")],
      [line("PENDING", "NodeDown")],
      [line("RUNNING", "None", ago(1))],
    ];
    for (const listing of listings) {
      const asked = slurm.askedOf("squeue").split("\n").length;
      s.setQueue(listing);
      await waitFor(() => slurm.askedOf("squeue").split("\n").length >= asked + 2, 5000, "two more polls");
    }
    s.setSacct(`42|FAILED|3:0|${ago(1)}|${ago(0)}|1|00:01.000|0|1|1G\n`);
    s.setQueue([line("FAILED", "NonZeroExitCode", ago(1), ago(0))]);
    const result = await w.result();
    expect(roots()).toHaveLength(1);
    return { ...result, replies: replies().map((p) => p.message.split("\n")[0]!) };
  }
  const ENDED = "❌ **train** (job 42) FAILED, exit code 3 after 1s of 10m 00s";

  test("the default (always): the time limit's 90 % and the end", async () => {
    const { code, replies: said } = await story([]);
    expect(code).toBe(4);
    expect(said).toEqual([
      expect.stringMatching(/^⏰ \*\*train\*\* \(job 42\) has used 90 % of its time limit \(.+\): .+ left$/),
      ENDED,
    ]);
  });

  test("--on begin,requeue,time-limit-50,end: each start, the requeue, the 50 % mark, the end", async () => {
    const { code, replies: said } = await story(["--on", "begin,requeue,time-limit-50,end"]);
    expect(code).toBe(4);
    expect(said).toEqual([
      expect.stringMatching(/^▶️ \*\*train\*\* \(job 42\) is running: started after \S+ \S+ in the queue$/),
      expect.stringMatching(/^⏰ \*\*train\*\* \(job 42\) has used 50 % of its time limit \(.+\): .+ left$/),
      "🔁 **train** (job 42) is queued (NodeDown)",
      expect.stringMatching(/^▶️ \*\*train\*\* \(job 42\) is running: started after/),
      ENDED,
    ]);
  });

  test("--on time-limit-80,time-limit-90: each mark once, told as it is passed; no end", async () => {
    const { code, replies: said } = await story(["--on", "time-limit-80,time-limit-90"]);
    expect(code).toBe(4);
    expect(said).toEqual([
      expect.stringMatching(/has used 80 % of its time limit/),
      expect.stringMatching(/has used 90 % of its time limit/),
    ]);
  });

  test("on=begin in the configuration, as mmn run reads it: each start replies, the end does not", async () => {
    writeFileSync(join(box.home, ".mmnrc"), `${readFileSync(join(box.home, ".mmnrc"), "utf8")}on=begin\n`);
    expect((await story([])).replies).toEqual([
      expect.stringMatching(/is running: started after/),
      expect.stringMatching(/is running: started after/),
    ]);
  });

  test("--on none: the message alone, edited; no reply", async () => {
    expect((await story(["--on", "none"])).replies).toEqual([]);
  });

  /** An array of 3: task 0 fails while the others run, then 1 succeeds, then 2 fails. */
  async function arrayStory(args: string[]) {
    const task = (i: number, state: string) =>
      `${8000 + i}|8000|${i}|${state}|None|${SUBMIT}|${SUBMIT}|${state === "RUNNING" ? "N/A" : SUBMIT}|10:00|sweep`;
    const s = scheduler([task(0, "RUNNING"), task(1, "RUNNING"), task(2, "RUNNING")]);
    const w = watch([...args, "8000"]);
    await says(/3 running/, "the board");
    for (const listing of [
      [task(0, "FAILED"), task(1, "RUNNING"), task(2, "RUNNING")],
      [task(0, "FAILED"), task(1, "COMPLETED"), task(2, "RUNNING")],
    ]) {
      const asked = slurm.askedOf("squeue").split("\n").length;
      s.setQueue(listing);
      await waitFor(() => slurm.askedOf("squeue").split("\n").length >= asked + 2, 5000, "two more polls");
    }
    s.setQueue([task(0, "FAILED"), task(1, "COMPLETED"), task(2, "FAILED")]);
    expect((await w.result()).code).toBe(4);
    expect(roots()).toHaveLength(1);
    return replies().map((p) => p.message);
  }
  const WHOLE = "❌ **sweep** (array 8000): 2 of 3 tasks failed (0: FAILED; 2: FAILED)";

  test("an array, by default: a failure as it comes, the end once", async () => {
    expect(await arrayStory([])).toEqual(["❌ task 0 of **sweep** (array 8000): FAILED", WHOLE]);
  });

  test("an array with --on array-digest: the end alone", async () => {
    expect(await arrayStory(["--on", "array-digest"])).toEqual([WHOLE]);
  });

  test("an array with --on array-tasks: each task's end, as Slurm's ARRAY_TASKS", async () => {
    expect(await arrayStory(["--on", "array-tasks"])).toEqual([
      "❌ task 0 of **sweep** (array 8000): FAILED",
      "✅ task 1 of **sweep** (array 8000): COMPLETED",
      "❌ task 2 of **sweep** (array 8000): FAILED",
    ]);
  });

  test("a word it does not know: mmn run's error, nothing asked, nothing sent", async () => {
    scheduler([]);
    const watched = await mmn(box, ["watch", "--on", "nevr-runs", "42"], { env: env() });
    const ran = await mmn(box, ["run", "--on", "nevr-runs", "--", "true"], { env: env() });
    expect(watched.code).toBe(2);
    expect(watched.stderr).toContain("did you mean never-runs?");
    expect(watched.stderr).toBe(ran.stderr.replace(/^mmn: /, ""));
    expect(slurm.askedOf("squeue")).toBe("");
    expect(alicePosts(server)).toEqual([]);
  });
});

/** mmn run inside job JOBID, its command a `cat` that ends when the test closes its input. */
function wrappedRun(jobId: string) {
  const proc = Bun.spawn([...MMN, "run", "--", "cat"], {
    cwd: box.cwd,
    env: env({ SLURM_JOB_ID: jobId, SLURM_JOB_NAME: "train" }),
    stdin: "pipe",
    stdout: "ignore",
    stderr: "pipe",
  });
  return proc;
}
const registered = () => {
  try {
    return readdirSync(join(box.home, ".local/state/mmn/hooks/.runs")).filter((f) => f.endsWith(".run"));
  } catch {
    return [];
  }
};

describe("one thread per job, whoever speaks", () => {
  test("watched first, then wrapped: the run's status joins the watch's thread, and only the run's end pushes", async () => {
    const out = join(box.cwd, "train.out");
    writeFileSync(out, "");
    const s = scheduler([line("PENDING", "Priority")], {
      scontrol: `JobId=42 JobName=train JobState=RUNNING Restarts=0 ExitCode=0:0 StdOut=${out}\n`,
    });
    const w = watch(["42"]);
    await says(/is queued \(Priority\)/, "queued");
    const [root] = roots();
    s.setQueue([line("RUNNING", "None", "2026-12-07T01:30:00")]);
    await says(/started after 30m 00s in the queue/, "started");
    const run = wrappedRun("42");
    await waitFor(() => replies().length === 1 && registered().length === 1, 5000, "the run's status, registered");
    expect(replies()[0]!.root_id).toBe(root!.id);
    // A change the watch shows, seen after the run registered.
    writeFileSync(out, "from the job\n");
    await says(/from the job/, "the tail");
    run.stdin.end();
    expect(await run.exited).toBe(0);
    s.setSacct("42|COMPLETED|0:0|2026-12-07T01:30:00|2026-12-07T01:31:00|60|00:30.000|0|1|1G\n");
    s.setQueue([line("COMPLETED", "None", "2026-12-07T01:30:00", "2026-12-07T01:31:00")]);
    const { code } = await w.result();
    expect(code).toBe(0);
    expect(roots().map((p) => p.id)).toEqual([root!.id]);
    expect(alicePosts(server).every((p) => p.id === root!.id || p.root_id === root!.id)).toBe(true);
    expect(current(root!).message).toStartWith("✅ **train** (job 42) COMPLETED, exit code 0 after 1m 00s of 10m 00s");
    // The run's status and its own end reply; the watch pushed nothing of its own.
    expect(replies()).toHaveLength(2);
    expect(replies().filter((p) => p.message.startsWith("✅ **train** (job 42)"))).toEqual([]);
  });

  test("wrapped first, then watched: no second status; the queue wait and the verdict are added to the run's message", async () => {
    const s = scheduler([line("RUNNING", "None", "2026-12-07T02:00:00")]);
    const run = wrappedRun("42");
    await waitFor(() => roots().length === 1 && registered().length === 1, 5000, "the run's status post");
    const [status] = roots();
    const w = watch(["42"]);
    run.stdin.end();
    expect(await run.exited).toBe(0);
    const ended = current(status!).message;
    s.setSacct("42|COMPLETED|0:0|2026-12-07T02:00:00|2026-12-07T02:02:00|120|01:00.000|0|1|1G\n");
    s.setQueue([line("COMPLETED", "None", "2026-12-07T02:00:00", "2026-12-07T02:02:00")]);
    const { code, stdout } = await w.result();
    expect(code).toBe(0);
    expect(stdout).toContain("job 42: Slurm: ✅ **train** (job 42) COMPLETED");
    expect(roots().map((p) => p.id)).toEqual([status!.id]);
    expect(current(status!).message).toBe(
      `${ended}\nSlurm: ✅ **train** (job 42) COMPLETED, exit code 0 after 2m 00s of 10m 00s\nstarted after 1h 00m in the queue\nCPU efficiency 50.0 % of 1 CPU (1m 00s of CPU time)`,
    );
    // The run's own end reply alone.
    expect(replies()).toHaveLength(1);
  });
});

test("an array whose tasks run mmn run: their board is the array's, and the watch posts no second one", async () => {
  const task = (i: number, state: string) =>
    `${5000 + i}|5000|${i}|${state}|None|${SUBMIT}|${SUBMIT}|${state === "RUNNING" ? "N/A" : SUBMIT}|10:00|sweep`;
  const s = scheduler([task(1, "RUNNING"), task(2, "RUNNING")]);
  const taskEnv = (i: number) =>
    env({
      SLURM_JOB_ID: String(5000 + i),
      SLURM_JOB_NAME: "sweep",
      SLURM_ARRAY_JOB_ID: "5000",
      SLURM_ARRAY_TASK_ID: String(i),
      SLURM_ARRAY_TASK_COUNT: "2",
      MMN_TEST_INTERVAL_MS: "200",
      MMN_TEST_ARRAY_GATHER_MS: "300",
    });
  expect((await mmn(box, ["run", "--", "true"], { env: taskEnv(1) })).code).toBe(0);
  const [board] = roots();
  const w = watch(["5000"]);
  expect((await mmn(box, ["run", "--", "true"], { env: taskEnv(2) })).code).toBe(0);
  s.setQueue([task(1, "COMPLETED"), task(2, "COMPLETED")]);
  const { code, stdout } = await w.result();
  expect(code).toBe(0);
  expect(stdout).toContain(
    "array 5000: ✅ **sweep** (array 5000): all 2 tasks succeeded (the tasks' own board tells it)",
  );
  expect(roots().map((p) => p.id)).toEqual([board!.id]);
  expect(current(board!).message).toBe("✅ **sweep** (array 5000): all 2 tasks succeeded");
});

test("an array watched first, its tasks' mmn run afterwards: they draw on the watch's board, one message, one push", async () => {
  const task = (i: number, state: string) =>
    `${5000 + i}|5000|${i}|${state}|None|${SUBMIT}|${SUBMIT}|${state === "RUNNING" ? "N/A" : SUBMIT}|10:00|sweep`;
  const s = scheduler([task(1, "RUNNING"), task(2, "RUNNING")]);
  const w = watch(["5000"]);
  await says(/^🗂️ \*\*sweep\*\* \(array 5000\): 2 running/, "the watch's board");
  const [board] = roots();
  const taskEnv = (i: number) =>
    env({
      SLURM_JOB_ID: String(5000 + i),
      SLURM_JOB_NAME: "sweep",
      SLURM_ARRAY_JOB_ID: "5000",
      SLURM_ARRAY_TASK_ID: String(i),
      SLURM_ARRAY_TASK_COUNT: "2",
      MMN_TEST_INTERVAL_MS: "200",
      MMN_TEST_ARRAY_GATHER_MS: "300",
    });
  expect((await mmn(box, ["run", "--", "true"], { env: taskEnv(1) })).code).toBe(0);
  expect((await mmn(box, ["run", "--", "true"], { env: taskEnv(2) })).code).toBe(0);
  s.setQueue([task(1, "COMPLETED"), task(2, "COMPLETED")]);
  const { code, stdout, stderr } = await w.result();
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toContain(
    "array 5000: ✅ **sweep** (array 5000): all 2 tasks succeeded (the tasks' own board tells it)",
  );
  expect(roots().map((p) => p.id)).toEqual([board!.id]);
  expect(current(board!).message).toBe("✅ **sweep** (array 5000): all 2 tasks succeeded");
  // The tasks' end in the board's thread, once; the watch pushed nothing of its own.
  expect(replies().map((p) => [p.root_id, p.message])).toEqual([
    [board!.id, "✅ **sweep** (array 5000): all 2 tasks succeeded"],
  ]);
});

describe("inside mmn relay", () => {
  test("mmn relay --watch follows every job of the user's (squeue -u UID): one message each, the end's push", async () => {
    const s = scheduler([
      line("RUNNING", "None", "2026-12-07T01:00:30"),
      `43|43|N/A|COMPLETED|None|${SUBMIT}|${SUBMIT}|${SUBMIT}|10:00|old`,
    ]);
    const relay = Bun.spawn([...MMN, "relay", "--watch", "--poll", "30"], {
      cwd: box.cwd,
      env: env(),
      stdout: "pipe",
      stderr: "pipe",
    });
    await says(/^▶️ \*\*train\*\* \(job 42\) is running: started after 30s in the queue$/, "the running job");
    expect(slurm.askedOf("squeue")).toContain(`-u ${process.getuid!()}`);
    s.setQueue([line("CANCELLED", "None", "2026-12-07T01:00:30", "2026-12-07T01:01:30")]);
    await waitFor(() => replies().length === 1, 5000, "the end's reply");
    relay.kill("SIGTERM");
    expect(await relay.exited).toBe(0);
    // The job that had ended before the relay began is left alone.
    expect(roots()).toHaveLength(1);
    expect(replies()[0]!.message).toBe("🛑 **train** (job 42) CANCELLED after 1m 00s of 10m 00s");
    expect(await new Response(relay.stdout).text()).toContain("watched: job 42: 🛑 **train** (job 42) CANCELLED");
  });

  test("--watch with --once is refused: a watch follows jobs from pass to pass", async () => {
    scheduler([line("RUNNING", "None")]);
    const result = await mmn(box, ["relay", "--once", "--watch"], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--watch follows jobs from pass to pass");
    expect(alicePosts(server)).toEqual([]);
  });
});

describe("PBS and LSF behind the same interface (their documented JSON; no real PBS or LSF here)", () => {
  /** A PATH with the stand-ins and the few tools their scripts use: no squeue of this machine's Slurm. */
  function bare(name: string, script: string): Record<string, string> {
    slurm.reset();
    const tools = join(slurm.bin, "tools");
    mkdirSync(tools, { recursive: true });
    for (const tool of ["cat", "wc", "sh", "grep"]) symlinkSync(Bun.which(tool)!, join(tools, tool));
    for (const other of ["squeue", "scontrol", "sacct", "qstat", "bjobs"])
      rmSync(join(slurm.bin, other), { force: true });
    slurm.add(name, script);
    return { PATH: `${slurm.bin}:${tools}` };
  }
  const pbsJob = (state: string, more = "") =>
    `{"pbs_version":"14.1","Jobs":{"2.vbox":{"Job_Name":"train","job_state":"${state}","qtime":"Fri Nov 11 17:58:00 2016","stime":"Fri Nov 11 18:10:00 2016","Resource_List":{"walltime":"02:00:00"}${more}}}}`;

  test("PBS: qstat -f -F json -x -t: running, then finished; exit 0", async () => {
    const file = join(slurm.bin, "qstat.json");
    const path = bare("qstat", `case "$*" in *"-F json"*) cat ${file};; *) exit 1;; esac`);
    writeFileSync(file, pbsJob("R"));
    const w = watch(["2.vbox"], path);
    await says(/^▶️ \*\*train\*\* \(job 2\.vbox\) is running: started after 12m 00s in the queue$/, "running");
    writeFileSync(file, pbsJob("F", `,"Exit_status":0,"obittime":"Fri Nov 11 18:40:00 2016"`));
    const { code, stderr } = await w.result();
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(replies().map((p) => p.message)).toEqual([
      "✅ **train** (job 2.vbox) COMPLETED, exit code 0 after 30m 00s of 2h 00m 00s",
    ]);
    expect(slurm.askedOf("qstat")).toContain("-f -F json -x -t 2.vbox");
  });

  test("LSF: bjobs -a -hms -json -o: pending, then an exit; exit 4", async () => {
    const file = join(slurm.bin, "bjobs.json");
    const path = bare("bjobs", `cat ${file}`);
    const record = (stat: string, more = "") =>
      `{"COMMAND":"bjobs","JOBS":1,"RECORDS":[{"JOBID":"101","JOBINDEX":"0","JOB_NAME":"train","STAT":"${stat}","PEND_REASON":"${stat === "PEND" ? "New job is waiting for scheduling;" : ""}","SUBMIT_TIME":"Dec  1 09:00","RUNTIMELIMIT":"01:00:00"${more}}]}`;
    writeFileSync(file, record("PEND"));
    const w = watch(["101"], path);
    await says(/^⏳ \*\*train\*\* \(job 101\) is queued \(`New job is waiting for scheduling;`\)$/, "queued");
    writeFileSync(file, record("EXIT", `,"EXIT_CODE":"3","START_TIME":"Dec  1 09:10","FINISH_TIME":"Dec  1 09:20"`));
    const { code } = await w.result();
    expect(code).toBe(4);
    expect(replies().map((p) => p.message)).toEqual([
      "❌ **train** (job 101) FAILED, exit code 3 after 10m 00s of 1h 00m 00s",
    ]);
    expect(slurm.askedOf("bjobs")).toContain("-a -hms -json -o jobid jobindex");
  });
});
