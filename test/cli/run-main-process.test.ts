import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { MMN, type Sandbox } from "../helpers/cli.ts";
import { outputOf } from "../helpers/output.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { standIns } from "../helpers/stand-ins.ts";
import type { TestServer } from "../server/index.ts";

// Issue 17, item 5: mmn says at the start when a scancel or the time limit will kill it before
// it can report. A fake Slurm process tree: a stand-in `slurmstepd` (its name in /proc is the
// script's) starts a batch script at SlurmdSpoolDir's `job00042/slurm_script`, as slurmd does.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});
const slurm = standIns();
const spool = mkdtempSync(join(tmpdir(), "mmn-slurmd-"));
afterAll(() => rmSync(spool, { recursive: true, force: true }));

const WARNING =
  'mmn is not the job\'s main process: a scancel or time limit will kill it before it can report; start it with `exec mmn run …` (sbatch --wrap "exec mmn run -- …")';
const SLURMSTEPD = join(spool, "slurmstepd");
// Not exec'd: the stand-in stays the script's parent, as slurmstepd does.
writeFileSync(SLURMSTEPD, '#!/bin/sh\n"$@"\nstatus=$?\nexit $status\n');
chmodSync(SLURMSTEPD, 0o755);

/** The batch script `body` (after its shebang) run under the stand-in slurmstepd, as a job of `env`. */
async function batch(body: string, env: Record<string, string>, asScript = true, scontrol?: string) {
  const dir = join(spool, `job000${Math.floor(Math.random() * 1e6)}`);
  mkdirSync(dir);
  const script = join(dir, asScript ? "slurm_script" : "task");
  writeFileSync(script, `#!/bin/sh\n${body}\nstatus=$?\nexit $status\n`);
  chmodSync(script, 0o755);
  slurm.reset();
  if (scontrol) slurm.add("scontrol", scontrol);
  const proc = Bun.spawn([SLURMSTEPD, script], {
    cwd: box.cwd,
    env: { ...box.env, PATH: `${slurm.bin}:${box.env.PATH}`, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, code } = await outputOf(proc);
  return { stdout, stderr, code };
}

const mmnRun = `${MMN.map((word) => `'${word}'`).join(" ")} run -- echo hello`;
const JOB = { SLURM_JOB_ID: "42", SLURM_JOB_NAME: "sim" };
type Card = { fields: Array<{ title: string; value: string }> };
const field = (post: Post, title: string) =>
  (post.props.attachments as Card[])[0]!.fields.find((f) => f.title === title)?.value;

describe("mmn run in a Slurm batch script", () => {
  test('not exec\'d (sbatch --wrap "mmn run …"): warned once on stderr and on the status card', async () => {
    const { stdout, stderr, code } = await batch(mmnRun, JOB);
    expect(code).toBe(0);
    expect(stdout).toBe("hello\n");
    expect(stderr.split(WARNING).length - 1).toBe(1);
    expect(stderr).toContain(`mmn: ${WARNING}`);
    const [status] = alicePosts(server);
    expect(status!.message).toStartWith("✅ **sim 42** succeeded");
    expect(field(status!, "Warning")).toBe(WARNING);
  });

  test("not exec'd under proctrack/linuxproc (scontrol show config says so): no warning, Slurm signals mmn too; asked once a day", async () => {
    const config = `case "$*" in "show config") printf 'Configuration data as of 2026-12-07T01:00:00\\nProctrackType           = proctrack/linuxproc\\nPropagateResourceLimits = ALL\\n';; *) exit 1;; esac`;
    const job = { ...JOB, SLURM_CLUSTER_NAME: "mmntest" };
    const { stdout, stderr, code } = await batch(mmnRun, job, true, config);
    expect(code).toBe(0);
    expect(stdout).toBe("hello\n");
    expect(stderr).not.toContain("main process");
    expect(field(alicePosts(server)[0]!, "Warning")).toBeUndefined();
    expect(slurm.askedOf("scontrol")).toContain("show config\n");
    // The next run of the cluster reads what the first was told: no question to the controller.
    const again = await batch(mmnRun, job, true, config);
    expect(again.stderr).not.toContain("main process");
    expect(slurm.askedOf("scontrol")).not.toContain("show config");
    // proctrack/cgroup, said by another cluster's controller: warned.
    const cgroup = await batch(
      mmnRun,
      { ...JOB, SLURM_CLUSTER_NAME: "other" },
      true,
      config.replace("linuxproc", "cgroup"),
    );
    expect(cgroup.stderr).toContain(`mmn: ${WARNING}`);
  });

  test('exec\'d (sbatch --wrap "exec mmn run …"): no warning', async () => {
    const { stdout, stderr, code } = await batch(`exec ${mmnRun}`, JOB);
    expect(code).toBe(0);
    expect(stdout).toBe("hello\n");
    expect(stderr).not.toContain("main process");
    const [status] = alicePosts(server);
    expect(status!.message).toStartWith("✅ **sim 42** succeeded");
    expect(field(status!, "Warning")).toBeUndefined();
  });

  test("inside an srun step (slurmstepd runs a task, not the batch script): no warning", async () => {
    const { stderr, code } = await batch(mmnRun, { ...JOB, SLURM_STEP_ID: "0" }, false);
    expect(code).toBe(0);
    expect(stderr).not.toContain("main process");
    expect(field(alicePosts(server)[0]!, "Warning")).toBeUndefined();
  });

  test("outside a job (no SLURM_JOB_ID) under the same tree: no warning", async () => {
    const { stderr, code } = await batch(mmnRun, {});
    expect(code).toBe(0);
    expect(stderr).not.toContain("main process");
    expect(field(alicePosts(server)[0]!, "Warning")).toBeUndefined();
  });
});
