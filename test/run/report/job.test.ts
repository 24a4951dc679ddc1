import { expect, test } from "bun:test";
import { jobContextFields } from "../../../src/run/report/job.ts";
import { jobContext } from "../../../src/scheduler/schedulers.ts";

test("no scheduler variables: no context", () => {
  expect(jobContext({ HOME: "/home/me" })).toBeUndefined();
  expect(jobContext({ SLURM_JOB_ID: "  " })).toBeUndefined();
});

test("Slurm array task", () => {
  const ctx = jobContext({
    SLURM_JOB_ID: "1240",
    SLURM_JOB_NAME: "train",
    SLURM_ARRAY_JOB_ID: "1234",
    SLURM_ARRAY_TASK_ID: "6",
    SLURM_JOB_PARTITION: "gpu",
    SLURM_CLUSTER_NAME: "hpc1",
    SLURM_JOB_NODELIST: "node[01-04]",
  });
  expect(ctx).toEqual({
    scheduler: "slurm",
    jobId: "1240",
    jobName: "train",
    arrayJobId: "1234",
    arrayTaskId: "6",
    queue: "gpu",
    cluster: "hpc1",
    nodes: "node[01-04]",
  });
  expect(jobContextFields(ctx!)).toEqual([
    ["Slurm job", "1234_6 (train)"],
    ["Partition", "gpu"],
    ["Cluster", "hpc1"],
    ["Nodes", "`node[01-04]`"],
  ]);
});

test("Slurm plain job leaves absent fields out", () => {
  const ctx = jobContext({ SLURM_JOB_ID: "77" });
  expect(ctx).toEqual({ scheduler: "slurm", jobId: "77" });
  expect(jobContextFields(ctx!)).toEqual([["Slurm job", "77"]]);
});

test("PBS (Torque and PBS Pro array variables)", () => {
  expect(jobContext({ PBS_JOBID: "55.server", PBS_JOBNAME: "sim", PBS_QUEUE: "batch", PBS_ARRAYID: "3" })).toEqual({
    scheduler: "pbs",
    jobId: "55.server",
    jobName: "sim",
    arrayTaskId: "3",
    queue: "batch",
  });
  const pro = jobContext({ PBS_JOBID: "56[2].pbs", PBS_ARRAY_INDEX: "2", PBS_ARRAY_ID: "56[].pbs" })!;
  expect(pro.arrayTaskId).toBe("2");
  expect(jobContextFields(pro)[0]).toEqual(["PBS job", "`56[2].pbs`"]);
  expect(jobContextFields(jobContext({ PBS_JOBID: "55.server", PBS_ARRAYID: "3" })!)[0]).toEqual([
    "PBS job",
    "`55.server[3]`",
  ]);
});

test("LSF, where index 0 means no array", () => {
  expect(jobContext({ LSB_JOBID: "9", LSB_JOBNAME: "x", LSB_JOBINDEX: "0", LSB_QUEUE: "normal" })).toEqual({
    scheduler: "lsf",
    jobId: "9",
    jobName: "x",
    queue: "normal",
  });
  const ctx = jobContext({ LSB_JOBID: "9", LSB_JOBINDEX: "4" })!;
  expect(jobContextFields(ctx)).toEqual([["LSF job", "9[4]"]]);
});

test("long node lists are shortened", () => {
  const nodes = Array.from({ length: 50 }, (_, i) => `node${i}`).join(",");
  const [, value] = jobContextFields(jobContext({ SLURM_JOB_ID: "1", SLURM_JOB_NODELIST: nodes })!).at(-1)!;
  expect(value.length).toBe(82);
  expect(value.endsWith("…`")).toBe(true);
});

test("a requeued Slurm job says which restart this run is", () => {
  const ctx = jobContext({ SLURM_JOB_ID: "81", SLURM_JOB_NAME: "train", SLURM_RESTART_COUNT: "2" });
  expect(ctx?.restarts).toBe(2);
  expect(jobContextFields(ctx!)[0]).toEqual(["Slurm job", "81 (train), restart 2"]);
  expect(jobContext({ SLURM_JOB_ID: "81", SLURM_RESTART_COUNT: "0" })?.restarts).toBeUndefined();
});
