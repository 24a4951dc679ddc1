import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jobContext, mainProcess, schedulerOf } from "../../src/scheduler/schedulers.ts";
import { standIns } from "../helpers/stand-ins.ts";

// The one interface: the job this process runs in, from its environment; any job by its id,
// from a login node where none of its environment is.

const bin = standIns();
/** The tools the stand-ins' scripts use, without the real Slurm that /usr/bin may hold. */
const tools = mkdtempSync(join(tmpdir(), "mmn-tools-"));
for (const tool of ["cat", "wc"]) symlinkSync(Bun.which(tool)!, join(tools, tool));
afterAll(() => rmSync(tools, { recursive: true, force: true }));
const LOGIN_NODE = join(import.meta.dir, "fixtures", "login-node.ts");

/** The login node's question, in a process whose PATH has the stand-ins and no scheduler's variables. */
async function fromLoginNode(jobId: string, path: string) {
  const env: Record<string, string> = { PATH: path, HOME: process.env.HOME ?? "/" };
  const proc = Bun.spawn([process.execPath, LOGIN_NODE, jobId], { env, stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  return JSON.parse(out);
}

test("the job this process runs in: found by each scheduler's variables, each named by its kind", () => {
  expect(schedulerOf(jobContext({ SLURM_JOB_ID: "7" })).kind).toBe("slurm");
  expect(schedulerOf(jobContext({ PBS_JOBID: "7.server" })).kind).toBe("pbs");
  expect(schedulerOf(jobContext({ LSB_JOBID: "7" })).kind).toBe("lsf");
  const outside = schedulerOf(jobContext({ HOME: "/home/me" }));
  expect(outside.kind).toBe("none");
  expect(outside.allocated({ SLURM_CPUS_ON_NODE: "4" })).toEqual({});
});

test("what the job was given on this node, from its scheduler's variables", () => {
  const slurm = schedulerOf("slurm");
  expect(slurm.allocated({ SLURM_CPUS_ON_NODE: "2", SLURM_MEM_PER_CPU: "1000", SLURM_JOB_GPUS: "0,1" })).toEqual({
    cpus: 2,
    memoryPerCpu: 1000 * 1024 ** 2,
    gpus: "0,1",
  });
  expect(schedulerOf("pbs").allocated({ PBS_NUM_PPN: "12" })).toEqual({ cpus: 12 });
  expect(schedulerOf("lsf").allocated({ LSB_DJOB_NUMPROC: "16" })).toEqual({ cpus: 16 });
});

test("from a login node, Slurm is asked about a job by its id alone: who it is, its limit, state, earlier runs, accounting", async () => {
  bin.reset();
  bin.add("squeue", `case "$*" in *--json*) exit 1;; *) echo "2026-12-01T12:00:00|2:00:00";; esac`);
  bin.add(
    "scontrol",
    'echo "JobId=4242 ArrayJobId=4240 ArrayTaskId=2 JobName=fit JobState=PENDING Reason=Priority Partition=gpu NodeList=(null) Restarts=1"',
  );
  bin.add(
    "sacct",
    `case "$*" in *--duplicates*) printf '2026-12-01T09:00:00|NODE_FAIL\\n2026-12-01T10:00:00|RUNNING\\n';; *) cat ${join(import.meta.dir, "fixtures", "sacct.txt")};; esac`,
  );
  const answer = await fromLoginNode("4242", `${bin.bin}:/usr/bin:/bin`);
  expect(answer.kind).toBe("slurm");
  expect(answer.job).toEqual({
    scheduler: "slurm",
    jobId: "4242",
    jobName: "fit",
    arrayJobId: "4240",
    arrayTaskId: "2",
    queue: "gpu",
    restarts: 1,
  });
  expect(answer.limit).toEqual({ endsAt: new Date(2026, 11, 1, 12, 0, 0).getTime(), limitMs: 2 * 3600_000 });
  expect(answer.state).toEqual({ state: "PENDING", states: ["PENDING"], reason: "Priority", restarts: 1 });
  expect(answer.runs).toEqual([
    { start: new Date(2026, 11, 1, 9, 0, 0).getTime(), state: "NODE_FAIL" },
    { start: new Date(2026, 11, 1, 10, 0, 0).getTime(), state: "RUNNING" },
  ]);
  expect(answer.accounting.state).toBe("CANCELLED");
  expect(bin.askedOf("squeue")).toContain("-h -j 4242 -o %e|%l\n");
  expect(bin.askedOf("scontrol")).toBe("show job -o 4242\nshow job -o 4242\n");
  // Asked at once; the stand-in's echo takes the second's "-n" for its own.
  expect(bin.askedOf("sacct")).toContain("--duplicates -X -n -P -j 4242 -o Start,State\n");
  expect(bin.askedOf("sacct")).toContain("-P -j 4242 -o JobID,State,ExitCode,Start,End,ElapsedRaw,TotalCPU,MaxRSS");
});

test("from a login node with PBS's qstat alone on PATH: PBS, asked by qstat", async () => {
  bin.reset();
  for (const name of ["squeue", "scontrol", "sacct", "bjobs"]) rmSync(join(bin.bin, name));
  bin.add(
    "qstat",
    `case "$*" in *-x*) cat ${join(import.meta.dir, "fixtures", "qstat-x-f.txt")};; *) cat ${join(import.meta.dir, "fixtures", "qstat-f-running.txt")};; esac`,
  );
  // Only the stand-ins' directory: a real squeue on this machine would be found first.
  const answer = await fromLoginNode("1235.pbs01", `${bin.bin}:${tools}`);
  expect(answer.kind).toBe("pbs");
  expect(answer.job).toEqual({
    scheduler: "pbs",
    jobId: "1235.pbs01",
    jobName: "sim",
    queue: "workq",
    cluster: "pbs01",
  });
  expect(answer.state.state).toBe("RUNNING");
  expect(answer.limit.limitMs).toBe(2 * 3600_000);
  expect(answer.runs).toBeUndefined();
  expect(answer.accounting).toMatchObject({ state: "FAILED", signal: 15 });
});

test("no scheduler's programs on PATH: none, which knows nothing", async () => {
  bin.reset();
  for (const name of ["squeue", "scontrol", "sacct", "qstat", "bjobs"]) rmSync(join(bin.bin, name));
  expect(await fromLoginNode("1", `${bin.bin}:${tools}`)).toEqual({ kind: "none" });
});

test("whether mmn is the process the scheduler signals: the batch step's own, a child of its script, or no batch step", () => {
  const at = (pid: number, comm: string, ...argv: string[]) => ({ pid, comm, argv });
  const stepd = (step: string) => at(900, "slurmstepd", `slurmstepd: [${step}]`);
  const script = at(901, "slurm_script", "/bin/sh", "/var/spool/slurmd/job00042/slurm_script");
  const init = at(1, "systemd", "/sbin/init");
  const job = { SLURM_JOB_ID: "42" };
  const tree = (...chain: ReturnType<typeof at>[]) => ({ chain, complete: chain.at(-1)?.pid === 1 });
  // exec mmn run: the script became mmn.
  expect(mainProcess(job, tree(stepd("42.batch"), init))).toBe("main");
  // sbatch --wrap "mmn run …": the script's child; known by the script's path or by slurmstepd's title.
  expect(mainProcess(job, tree(script, stepd("42.batch"), init))).toBe("not-main");
  expect(mainProcess(job, tree(at(902, "bash", "bash"), at(901, "bash", "bash", "x"), stepd("42.batch"), init))).toBe(
    "not-main",
  );
  // An srun step's task, an interactive step, a salloc shell on the login node: no batch step.
  expect(mainProcess(job, tree(at(901, "bash", "bash", "-c", "mmn run -- x"), stepd("42.0"), init))).toBe("not-batch");
  expect(mainProcess(job, tree(at(901, "bash", "-bash"), at(800, "salloc", "salloc"), init))).toBe("not-batch");
  // /proc hides root's processes (hidepid): the job's script still shows; without it, not known.
  expect(mainProcess(job, tree(script))).toBe("not-main");
  expect(mainProcess(job, tree(at(901, "bash", "bash")))).toBe("not-checked");
  expect(mainProcess({}, tree(script, stepd("42.batch"), init))).toBe("not-batch");
  // PBS and LSF: how they signal a job's processes is not checked on a real one.
  expect(mainProcess({ PBS_JOBID: "7.pbs" }, tree(init))).toBe("not-checked");
  expect(mainProcess({ LSB_JOBID: "7" }, tree(init))).toBe("not-checked");
});
