import { describe, expect, test } from "bun:test";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { MMN, mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { standIns } from "../helpers/stand-ins.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// mmn relay on a "login node": runs that died without their final word get the scheduler's
// (or the process table's), exactly once; runs that told their end are left alone.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});
const slurm = standIns();

const runsDir = () => join(box.home, ".local/state/mmn/hooks/.runs");
const registered = () => {
  try {
    // Not a write's temporary file beside a run's, which a listing may catch half-written.
    return readdirSync(runsDir()).filter((name) => name.endsWith(".run"));
  } catch {
    return [];
  }
};
const replies = () => alicePosts(server).filter((p) => p.root_id);
const edits = () => server.requests.filter((r) => r.method === "PUT" && /\/patch$/.test(r.path)).length;
const env = (more: Record<string, string> = {}) => ({ ...box.env, PATH: `${slurm.bin}:${box.env.PATH}`, ...more });

/** A run whose mmn is SIGKILLed once its status post is out and registered: it never tells its end. */
async function killedRun(more: Record<string, string> = {}, args: string[] = []) {
  const roots = alicePosts(server).filter((p) => !p.root_id).length;
  const proc = Bun.spawn([...MMN, "run", ...args, "--", "sleep", "30"], {
    cwd: box.cwd,
    env: env(more),
    stdout: "ignore",
    stderr: "pipe",
    detached: true,
  });
  await waitFor(
    () => alicePosts(server).filter((p) => !p.root_id).length === roots + 1 && registered().length === 1,
    5000,
    "the registered status post",
  );
  process.kill(-proc.pid, "SIGKILL");
  await proc.exited;
  return proc.pid;
}

describe("mmn relay --once", () => {
  test("a run whose process is gone: its status edited and one reply that notifies, once", async () => {
    slurm.reset();
    const pid = await killedRun();
    const status = alicePosts(server)[0]!;
    expect(status.message).toStartWith("⏳");
    const listed = await mmn(box, ["relay", "--status"], { env: env() });
    expect(listed.stdout).toContain(`pid ${pid} on `);

    const first = await mmn(box, ["relay", "--once"], { env: env() });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^told: .* \\(pid ${pid} on \\S+\\): its process \\(pid ${pid} on \\S+\\) is gone\\n$`),
    );
    const edited = server.postsIn(status.channel_id).find((p) => p.id === status.id)!;
    expect(edited.message).toMatch(
      /^🛑 \*\*`sleep 30`\*\* ended without a word from mmn: its process \(pid \d+ on \S+\) is gone\n/,
    );
    const card = (
      edited.props.attachments as Array<{ color: string; fields: Array<{ title: string; value: string }> }>
    )[0]!;
    expect(card.color).toBe("danger");
    expect(card.fields.find((f) => f.title === "Status")?.value).toStartWith("ended without a word from mmn");
    expect(replies().map((p) => p.message)).toEqual([
      `${edited.message.split("\n")[0]}\nmmn was killed before it could tell the end (SIGKILL, the OOM killer, or a reboot).`,
    ]);
    expect(replies()[0]!.root_id).toBe(status.id);
    expect(registered()).toEqual([]);

    const again = await mmn(box, ["relay", "--once"], { env: env() });
    expect(again).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(replies()).toHaveLength(1);
    expect((await mmn(box, ["relay", "--status"], { env: env() })).stderr).toContain("no run says running");
  });

  test("a run on a node without a route (delivery=outbox), killed: the relay delivers its status post, then tells its end there", async () => {
    slurm.reset();
    const proc = Bun.spawn([...MMN, "run", "--", "sleep", "30"], {
      cwd: box.cwd,
      env: env({ MMN_DELIVERY: "outbox" }),
      stdout: "ignore",
      stderr: "ignore",
      detached: true,
    });
    await waitFor(() => registered().length === 1, 5000, "the registered run");
    process.kill(-proc.pid, "SIGKILL");
    await proc.exited;
    expect(server.requests).toEqual([]);
    const told = await mmn(box, ["relay", "--once"], { env: env() });
    expect(told.stderr).toBe("");
    expect(told.code).toBe(0);
    expect(told.stdout).toMatch(
      new RegExp(`^delivered: 1 kept message\\ntold: .* \\(pid ${proc.pid} on \\S+\\) is gone\\n$`),
    );
    const [status, ...rest] = alicePosts(server).filter((p) => !p.root_id);
    expect(rest).toEqual([]);
    expect(status!.message).toStartWith("🛑 **`sleep 30`** ended without a word from mmn: its process");
    expect(replies().map((p) => p.root_id)).toEqual([status!.id]);
    expect(registered()).toEqual([]);
  });

  test("a run whose end waits in the outbox, claimed by a relay still delivering it: no word of the scheduler's over it", async () => {
    slurm.reset();
    const go = join(box.cwd, "go");
    const run = mmn(box, ["run", "--", "bash", "-c", `while [ ! -e ${go} ]; do sleep 0.05; done; exit 3`], {
      env: { ...env(), MMN_TEST_FINISH_UNANSWERED_MS: "300", MMN_TEST_REQUEST_TIMEOUT_MS: "300" },
    });
    await waitFor(() => registered().length === 1, 5000, "the registered run");
    await server.refuse();
    writeFileSync(go, "");
    expect((await run).code).toBe(3);
    await server.accept();
    // Another relay of this host, alive (this test's process), holds the run's kept end.
    const outbox = join(box.home, ".local/state/mmn/outbox");
    const [host] = readdirSync(outbox).filter((n) => n !== "posted");
    const kept = readdirSync(join(outbox, host!)).filter((n) => n.endsWith(".json"));
    mkdirSync(join(outbox, host!, "claimed"), { recursive: true });
    for (const name of kept)
      renameSync(join(outbox, host!, name), join(outbox, host!, "claimed", `${name}~${hostname()}@${process.pid}`));
    expect(await mmn(box, ["relay", "--once"], { env: env() })).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(replies()).toEqual([]);
    expect(registered()).toHaveLength(1);
    // Given back: delivered, and the run's own end makes the scheduler's needless.
    for (const name of kept)
      renameSync(join(outbox, host!, "claimed", `${name}~${hostname()}@${process.pid}`), join(outbox, host!, name));
    const relayed = await mmn(box, ["relay", "--once"], { env: env() });
    expect(relayed.stdout).toMatch(/^delivered: \d+ kept messages\n$/);
    expect(replies().map((p) => p.message)).toEqual([expect.stringContaining("failed with exit code 3")]);
    expect(alicePosts(server)[0]!.message).toContain("failed with exit code 3");
    expect(registered()).toEqual([]);
  });

  test("the run's policy decides whether the relay's word replies: --on begin edits alone; a record from before the policy replies", async () => {
    slurm.reset();
    await killedRun({}, ["--on", "begin"]);
    const status = alicePosts(server).find((p) => !p.root_id)!;
    const before = replies().length;
    const told = await mmn(box, ["relay", "--once"], { env: env() });
    expect(told).toMatchObject({ code: 0, stderr: "" });
    expect(told.stdout).toContain("is gone");
    expect(replies()).toHaveLength(before);
    // The phone never says running: the edit happens all the same.
    expect(server.postsIn(status.channel_id).find((p) => p.id === status.id)!.message).toMatch(
      /^🛑 .* ended without a word from mmn: its process/,
    );
    expect(registered()).toEqual([]);

    // A record written before runs kept their policy: the default's reply.
    await killedRun();
    const file = join(runsDir(), registered()[0]!);
    const record = JSON.parse(readFileSync(file, "utf8")) as { on?: string };
    expect(record.on).toBe("always");
    delete record.on;
    writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
    const repliesBefore = replies().length;
    expect((await mmn(box, ["relay", "--once"], { env: env() })).code).toBe(0);
    expect(
      replies()
        .slice(repliesBefore)
        .map((p) => p.message),
    ).toEqual([expect.stringMatching(/^🛑 .* ended without a word from mmn: its process/)]);
  });

  test("two relays at once: one edit and one reply", async () => {
    slurm.reset();
    await killedRun();
    const before = edits();
    const both = await Promise.all([
      mmn(box, ["relay", "--once"], { env: env() }),
      mmn(box, ["relay", "--once"], { env: env() }),
    ]);
    expect(both.map((r) => r.code)).toEqual([0, 0]);
    expect(both.map((r) => r.stdout.startsWith("told: ")).sort()).toEqual([false, true]);
    expect(edits() - before).toBe(1);
    expect(replies()).toHaveLength(1);
  });

  test("a status the server will not let the relay edit: one reply all the same, not one a pass", async () => {
    slurm.reset();
    await killedRun();
    server.fault({ kind: "status", status: 403, method: "PUT" });
    const first = await mmn(box, ["relay", "--once"], { env: env() });
    expect(first.code).toBe(1);
    const again = await mmn(box, ["relay", "--once"], { env: env() });
    expect(again.code).toBe(0);
    expect(replies()).toHaveLength(1);
    expect(registered()).toEqual([]);
  });

  test("a run that told its own end is left alone", async () => {
    slurm.reset();
    const run = await mmn(box, ["run", "--", "true"], { env: env() });
    expect(run.code).toBe(0);
    expect(registered()).toEqual([]);
    const posts = alicePosts(server).length;
    const before = server.requests.length;
    expect(await mmn(box, ["relay", "--once"], { env: env() })).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(alicePosts(server)).toHaveLength(posts);
    expect(server.requests.length).toBe(before);
  });

  test("a job the scheduler says was cancelled: Slurm's word, who and when", async () => {
    slurm.reset();
    slurm.add("squeue", `case "$*" in *--json*) echo '{"jobs":[]}';; *) exit 1;; esac`);
    slurm.add(
      "scontrol",
      `echo "JobId=4242 JobName=train JobState=CANCELLED Reason=None ExitCode=0:15 RunTime=02:03:10"`,
    );
    slurm.add("sacct", `echo "4242|CANCELLED by 0|0:15|2026-12-06T10:00:00|2026-12-06T12:03:10|7390|00:01.000|"`);
    await killedRun({ SLURM_JOB_ID: "4242", SLURM_JOB_NAME: "train" });
    const told = await mmn(box, ["relay", "--once"], { env: env() });
    expect(told.stdout).toBe("told: train 4242 (job 4242): Slurm says CANCELLED by root after 2h 03m (exit 0:15)\n");
    expect(replies()[0]!.message).toStartWith(
      "🛑 **train 4242** ended without a word from mmn: Slurm says CANCELLED by root after 2h 03m (exit 0:15)\n",
    );
    expect(slurm.askedOf("sacct")).toContain("-j 4242");
  });

  test("a run that still runs, in a job that still runs, is left running: one squeue for the pass", async () => {
    slurm.reset();
    slurm.add(
      "squeue",
      `case "$*" in *--json*) echo '{"jobs":[{"job_state":["RUNNING"]}]}';; *) echo "77|RUNNING";; esac`,
    );
    slurm.add("scontrol", `echo "JobId=77 JobName=train JobState=RUNNING Reason=None"`);
    const proc = Bun.spawn([...MMN, "run", "--", "sleep", "30"], {
      cwd: box.cwd,
      env: env({ SLURM_JOB_ID: "77", SLURM_JOB_NAME: "train" }),
      stdout: "ignore",
      stderr: "ignore",
      detached: true,
    });
    const forget = () => {
      for (const name of ["squeue", "scontrol", "sacct"]) rmSync(join(slurm.bin, `${name}.args`), { force: true });
    };
    try {
      await waitFor(() => registered().length === 1, 5000, "the registered run");
      forget();
      expect(await mmn(box, ["relay", "--once"], { env: env() })).toEqual({ code: 0, stdout: "", stderr: "" });
      // The run's own question of its time limit (-h -j 77) may come late: only the relay's about runs are
      // counted (its question of pending reasons, -t PD, is the never-run steps').
      const relays = slurm
        .askedOf("squeue")
        .split("\n")
        .filter((line) => line && !line.startsWith("-h -j") && !line.includes("-t PD"));
      expect(relays).toHaveLength(1);
      expect(relays[0]).toMatch(/^-h -u \S+ -o %A\|%T$/);
      expect(slurm.askedOf("scontrol") + slurm.askedOf("sacct")).toBe("");
      // A squeue that cannot list the user's jobs: the job is asked about by its id.
      slurm.add("squeue", `case "$*" in *--json*) echo '{"jobs":[{"job_state":["RUNNING"]}]}';; *) exit 1;; esac`);
      forget();
      expect(await mmn(box, ["relay", "--once"], { env: env() })).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(slurm.askedOf("scontrol")).toBe("show job -o 77\n");
      expect(replies()).toHaveLength(0);
      expect(registered()).toHaveLength(1);
    } finally {
      process.kill(-proc.pid, "SIGKILL");
      await proc.exited;
    }
  });

  test("a registry that is a link (or another user's folder) is refused: nothing read, nothing sent", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "mmn-elsewhere-"));
    mkdirSync(join(box.home, ".local/state/mmn/hooks"), { recursive: true, mode: 0o700 });
    symlinkSync(elsewhere, runsDir());
    const before = server.requests.length;
    for (const args of [
      ["relay", "--once"],
      ["relay", "--status"],
    ]) {
      const refused = await mmn(box, args, { env: env() });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`error: cannot read the registered runs in ${runsDir()}: `);
      expect(refused.stderr).toContain("hint: set MMN_HOOK_DIR to a directory only you can write");
    }
    expect(server.requests.length).toBe(before);
  });

  test("mmn relay --poll: a pass every poll, a run that dies meanwhile told on the next; SIGTERM ends it", async () => {
    slurm.reset();
    const relay = Bun.spawn([...MMN, "relay", "--poll", "1"], {
      cwd: box.cwd,
      env: env(),
      stdout: "pipe",
      stderr: "pipe",
    });
    const pid = await killedRun();
    const killedAt = Date.now();
    const told = await relay.stdout.getReader().read();
    console.log(`relay --poll 1: told ${Date.now() - killedAt} ms after the run's end`);
    expect(new TextDecoder().decode(told.value)).toMatch(new RegExp(`^told: .* \\(pid ${pid} on \\S+\\) is gone\\n$`));
    expect(replies()).toHaveLength(1);
    relay.kill("SIGTERM");
    expect(await relay.exited).toBe(0);
    expect(await new Response(relay.stderr).text()).toBe("");
  });

  test("a claim just taken keeps its run, though the rename kept the registry file's old mtime", async () => {
    slurm.reset();
    await killedRun();
    const [file] = registered();
    const hourAgo = new Date(Date.now() - 60 * 60_000);
    utimesSync(join(runsDir(), file!), hourAgo, hourAgo);
    // What another relay's rename leaves before it touches the claim: the name says now, the file an hour ago.
    renameSync(join(runsDir(), file!), join(runsDir(), `${file}.claimed-${Date.now()}-4242-abcd1234`));
    expect(await mmn(box, ["relay", "--once"], { env: env() })).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(replies()).toHaveLength(0);
  });

  test("a claim left by a relay that died: another relay's for ten minutes, then taken over and told once", async () => {
    slurm.reset();
    await killedRun();
    const [file] = registered();
    const claim = join(runsDir(), `${file}.claimed-99999-dead`);
    renameSync(join(runsDir(), file!), claim);
    expect(await mmn(box, ["relay", "--once"], { env: env() })).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(replies()).toHaveLength(0);
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    utimesSync(claim, elevenMinutesAgo, elevenMinutesAgo);
    expect((await mmn(box, ["relay", "--once"], { env: env() })).stdout).toStartWith("told: ");
    expect(replies()).toHaveLength(1);
    expect(registered()).toEqual([]);
  });

  test("a relay killed between its reply and its edit: the relay that takes the claim over edits, and replies no second time", async () => {
    slurm.reset();
    await killedRun();
    const status = alicePosts(server)[0]!;
    let arrived!: () => void;
    const editArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    server.fault({ kind: "delay", method: "PUT", path: /\/patch$/, until: new Promise(() => {}), arrived, times: 1 });
    const relay = Bun.spawn([...MMN, "relay", "--once"], {
      cwd: box.cwd,
      env: env(),
      stdout: "ignore",
      stderr: "ignore",
    });
    await editArrived;
    relay.kill("SIGKILL");
    await relay.exited;
    server.clearFaults();
    expect(replies()).toHaveLength(1);
    // Ten minutes on: the claim is another relay's to take over.
    const [claim] = readdirSync(runsDir()).filter((name) => name.includes(".claimed-"));
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    const old = join(runsDir(), claim!.replace(/claimed-\d{13}-/, `claimed-${elevenMinutesAgo.getTime()}-`));
    renameSync(join(runsDir(), claim!), old);
    utimesSync(old, elevenMinutesAgo, elevenMinutesAgo);
    expect((await mmn(box, ["relay", "--once"], { env: env() })).stdout).toStartWith("told: ");
    expect(replies()).toHaveLength(1);
    expect(server.postsIn(status.channel_id).find((p) => p.id === status.id)!.message).not.toStartWith("⏳");
    expect(readdirSync(runsDir()).filter((name) => name.includes(".run"))).toEqual([]);
  });
});
