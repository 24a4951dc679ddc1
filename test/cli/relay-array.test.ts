/**
 * mmn relay closes the board of a job array that no task will close: the array was scancelled
 * as a whole with tasks still waiting. The scheduler (stand-ins) says no task is left; the
 * board turns red with the tasks that never ran counted, and one reply notifies, once. While
 * the array runs, a task whose mmn died unheard is told ended on the board in sacct's word.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { MMN, mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { standIns } from "../helpers/stand-ins.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});
const slurm = standIns();

const env = (task?: number) => ({
  ...box.env,
  PATH: `${slurm.bin}:${box.env.PATH}`,
  ...(task === undefined
    ? {}
    : {
        SLURM_JOB_ID: String(5000 + task),
        SLURM_JOB_NAME: "sweep",
        SLURM_ARRAY_JOB_ID: "5000",
        SLURM_ARRAY_TASK_ID: String(task),
        SLURM_ARRAY_TASK_COUNT: "20",
        MMN_TEST_INTERVAL_MS: "200",
        MMN_TEST_ARRAY_GATHER_MS: "100",
      }),
});
const stateDir = () => join(box.home, ".local/state/mmn/hooks/.arrays/array-slurm-5000");
const roots = () => alicePosts(server).filter((p) => !p.root_id);
const replies = (root: Post) => alicePosts(server).filter((p) => p.root_id === root.id);

describe("mmn relay closes an array's board", () => {
  test("scancelled with 17 tasks waiting and one running: closed red, the never-run counted, one notifying reply, once", async () => {
    slurm.reset();
    expect((await mmn(box, ["run", "--", "true"], { env: env(1) })).code).toBe(0);
    expect((await mmn(box, ["run", "--", "sh", "-c", "exit 3"], { env: env(2) })).code).toBe(3);
    // Task 3's mmn dies with its job (SIGKILL): its record still says running.
    const proc = Bun.spawn([...MMN, "run", "--", "sleep", "30"], {
      cwd: box.cwd,
      env: env(3),
      stdout: "ignore",
      stderr: "ignore",
      detached: true,
    });
    await waitFor(() => existsSync(join(stateDir(), "3.task")), 5000, "task 3's record");
    process.kill(-proc.pid, "SIGKILL");
    await proc.exited;
    // Killed while it drew the board, it leaves the edit lock behind (a lock of a dead process).
    const editing = join(stateDir(), "editing");
    if (!existsSync(editing)) writeFileSync(editing, `${proc.pid}@${hostname()} ${new Date().toISOString()}\n`);
    const [board, ...others] = roots();
    expect(others).toEqual([]);

    // The scheduler still has tasks of the array waiting, and task 3 ending: the board is left as it is.
    slurm.add("squeue", 'printf "5000_3|COMPLETING\\n5000_4|PENDING\\n5000_5|PENDING\\n4999|RUNNING\\n"');
    const waiting = await mmn(box, ["relay", "--once"], { env: env() });
    expect(waiting).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(server.postsIn(board!.channel_id).find((p) => p.id === board!.id)!.message).toStartWith("🗂️");

    slurm.add("squeue", 'printf "4999|RUNNING\\n4998_1|RUNNING\\n"');
    slurm.add(
      "sacct",
      'printf "5000_1|COMPLETED\\n5000_2|FAILED\\n5000_3|CANCELLED by 1000\\n5000_[4-20]|CANCELLED by 1000\\n"',
    );
    const before = replies(board!).length;
    const closed = await mmn(box, ["relay", "--once"], { env: env() });
    expect(closed.stderr).toBe("");
    expect(closed.code).toBe(0);
    const headline =
      "❌ **sweep** (array 5000): 1 succeeded, 2 failed of 20 tasks; 17 waiting tasks were cancelled (2: failed with exit code 3; 3: ended without a word from mmn: Slurm says CANCELLED)";
    expect(closed.stdout).toBe(`told: array 5000: ${headline.replace(/\*\*/g, "")}\n`);
    expect(slurm.askedOf("squeue")).toContain("-h -r -u");
    expect(slurm.askedOf("sacct")).toContain("-j 5000 ");
    const edited = server.postsIn(board!.channel_id).find((p) => p.id === board!.id)!;
    expect(edited.message).toBe(headline);
    expect((edited.props.attachments as Array<{ color: string }>)[0]!.color).toBe("danger");
    const told = replies(board!).slice(before);
    expect(told.map((p) => p.message)).toEqual([headline]);
    expect(readdirSync(stateDir())).toEqual(["done"]);

    const again = await mmn(box, ["relay", "--once"], { env: env() });
    expect(again).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(replies(board!).length).toBe(before + 1);
  });

  test("a task SIGKILLed while others run: told ended in Slurm's word after one pass, once; a live task and a listed one untouched", async () => {
    slurm.reset();
    const sweep = (task: number) => ({
      ...env(task),
      SLURM_JOB_ID: String(6000 + task),
      SLURM_ARRAY_JOB_ID: "6000",
      SLURM_ARRAY_TASK_COUNT: "5",
      // No periodic edits of the board by the tasks that go on: the relay's edit alone is counted.
      MMN_TEST_INTERVAL_MS: "600000",
    });
    const dir = () => join(box.home, ".local/state/mmn/hooks/.arrays/array-slurm-6000");
    expect((await mmn(box, ["run", "--", "sh", "-c", "exit 3"], { env: sweep(4) })).code).toBe(3);
    const start = (task: number) =>
      Bun.spawn([...MMN, "run", "--", "sleep", "60"], {
        cwd: box.cwd,
        env: sweep(task),
        stdout: "ignore",
        stderr: "ignore",
        detached: true,
      });
    const tasks = [1, 2, 3].map(start);
    for (const task of [1, 2, 3])
      await waitFor(() => existsSync(join(dir(), `${task}.task`)), 5000, `task ${task}'s record`);
    // Task 3's mmn dies without a word (SIGKILL); tasks 1 and 2 go on, task 5 waits.
    const [one, two, three] = tasks;
    process.kill(-three!.pid, "SIGKILL");
    await three!.exited;
    const [board, ...others] = roots();
    expect(others).toEqual([]);
    const boardNow = () => server.postsIn(board!.channel_id).find((p) => p.id === board!.id)!;
    const edits = () => server.requests.filter((q) => q.method === "PUT" && q.path.includes(board!.id)).length;

    // Slurm runs task 1 and has 5 waiting; task 2 it no longer lists, but its mmn is alive here.
    slurm.add("squeue", 'printf "6000_1|RUNNING\\n6000_5|PENDING\\n4999|RUNNING\\n"');
    slurm.add("sacct", 'printf "6000_3|CANCELLED by 1000\\n"');
    const [editsBefore, repliesBefore] = [edits(), replies(board!).length];
    const told = await mmn(box, ["relay", "--once"], { env: env() });
    const reply = `❌ task 3 of sweep ended without a word from mmn: Slurm says CANCELLED on ${hostname()}`;
    expect(told).toEqual({ code: 0, stdout: `told: array 6000: ${reply}\n`, stderr: "" });
    expect(slurm.askedOf("squeue")).toContain("-h -r -u");
    expect(slurm.askedOf("sacct").trim()).toEndWith("-j 6000_3 -o JobID,State");
    expect(boardNow().message).toBe(
      "🗂️ **sweep** (array 6000): 2 running, 0 succeeded, 2 failed, 1 waiting of 5 tasks\nfailed: 3: ended without a word from mmn: Slurm says CANCELLED; 4: failed with exit code 3",
    );
    expect(edits()).toBe(editsBefore + 1);
    expect(
      replies(board!)
        .slice(repliesBefore)
        .map((p) => p.message),
    ).toEqual([reply]);
    // The live tasks' records are as they wrote them.
    for (const task of ["1", "2"])
      expect(JSON.parse(readFileSync(join(dir(), `${task}.task`), "utf8")).phase).toBe("running");

    const again = await mmn(box, ["relay", "--once"], { env: env() });
    expect(again).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(edits()).toBe(editsBefore + 1);
    expect(replies(board!).length).toBe(repliesBefore + 1);
    expect(slurm.askedOf("sacct").trim().split("\n")).toHaveLength(1);
    for (const proc of [one!, two!]) process.kill(-proc.pid, "SIGKILL");
    await Promise.all([one!.exited, two!.exited]);
  });

  test("under --on array-digest a task that died unheard is on the board, in scontrol's word without accounting, and pushes nothing before the array's end", async () => {
    slurm.reset();
    const digest = { ...env(1), SLURM_JOB_ID: "7001", SLURM_ARRAY_JOB_ID: "7000", SLURM_ARRAY_TASK_COUNT: "2" };
    const dir = join(box.home, ".local/state/mmn/hooks/.arrays/array-slurm-7000");
    const proc = Bun.spawn([...MMN, "run", "--on", "array-digest", "--", "sleep", "60"], {
      cwd: box.cwd,
      env: digest,
      stdout: "ignore",
      stderr: "ignore",
      detached: true,
    });
    await waitFor(() => existsSync(join(dir, "board-post.json")), 5000, "the board's post");
    process.kill(-proc.pid, "SIGKILL");
    await proc.exited;
    const [board] = roots();
    slurm.add("squeue", 'printf "7000_2|PENDING\\n"');
    // No accounting (sacct fails): scontrol still shows the ended task.
    slurm.add("scontrol", 'printf "JobId=7001 ArrayJobId=7000 ArrayTaskId=1 JobState=NODE_FAIL Reason=NodeDown\\n"');
    const before = replies(board!).length;
    const told = await mmn(box, ["relay", "--once"], { env: env() });
    expect(told.stdout).toBe(
      `told: array 7000: ❌ task 1 of sweep ended without a word from mmn: Slurm says NODE_FAIL on ${hostname()}\n`,
    );
    expect(server.postsIn(board!.channel_id).find((p) => p.id === board!.id)!.message).toBe(
      "🗂️ **sweep** (array 7000): 0 running, 0 succeeded, 1 failed, 1 waiting of 2 tasks\nfailed: 1: ended without a word from mmn: Slurm says NODE_FAIL",
    );
    expect(replies(board!).length).toBe(before);
    expect(slurm.askedOf("scontrol")).toBe("show job -o 7000_1\n");
  });

  test("a board no task is left to bring up to date (the last task's edit refused, the others waiting) is drawn by the relay, once", async () => {
    slurm.reset();
    const sweep = { ...env(1), SLURM_JOB_ID: "8001", SLURM_ARRAY_JOB_ID: "8000", MMN_TEST_INTERVAL_MS: "600000" };
    // The one edit task 1 makes, of its own end, is refused: the board still says it runs.
    server.fault({ kind: "status", status: 403, method: "PUT", times: 1 });
    const run = await mmn(box, ["run", "--", "true"], { env: sweep });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("cannot update the array's board");
    const [board] = roots();
    const boardNow = () => server.postsIn(board!.channel_id).find((p) => p.id === board!.id)!;
    const edits = () => server.requests.filter((q) => q.method === "PUT" && q.status === 200).length;
    expect(boardNow().message).toBe(
      "🗂️ **sweep** (array 8000): 1 running, 0 succeeded, 0 failed, 19 waiting of 20 tasks",
    );
    const before = edits();

    // The other tasks wait (a throttle, %1): no task is left to draw the board.
    slurm.add("squeue", 'printf "8000_2|PENDING\\n8000_3|PENDING\\n"');
    const drawn = await mmn(box, ["relay", "--once"], { env: env() });
    expect(drawn).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(boardNow().message).toBe(
      "🗂️ **sweep** (array 8000): 0 running, 1 succeeded, 0 failed, 19 waiting of 20 tasks",
    );
    expect(edits()).toBe(before + 1);
    expect(replies(board!)).toEqual([]);

    const again = await mmn(box, ["relay", "--once"], { env: env() });
    expect(again).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(edits()).toBe(before + 1);
  });
});
