import { expect, test } from "bun:test";
import { allocation, usableCpus } from "../../../src/run/job/allocation.ts";
import { jobContext } from "../../../src/scheduler/schedulers.ts";
import { parseMemory } from "../../../src/scheduler/units.ts";

const MIB = 1024 * 1024;

test("Slurm's memory is in MiB ('200' for --mem=200M); a unit letter, when there is one, is honoured", () => {
  expect(parseMemory("200")).toBe(200 * MIB);
  expect(parseMemory("16384")).toBe(16 * 1024 * MIB);
  expect(parseMemory("16G")).toBe(16 * 1024 * MIB);
  expect(parseMemory("1.5T")).toBe(1.5 * 1024 * 1024 * MIB);
  expect(parseMemory("0")).toBeUndefined();
  expect(parseMemory("lots")).toBeUndefined();
});

test("Slurm: the CPUs of this node and --mem, or --mem-per-cpu times those CPUs (seen in a real job's environment)", () => {
  const env = { SLURM_JOB_ID: "1", SLURM_CPUS_ON_NODE: "2", SLURM_CPUS_PER_TASK: "2", SLURM_MEM_PER_NODE: "200" };
  expect(allocation(jobContext(env), env)).toEqual({ cpus: 2, cpusFrom: "allocated", memory: 200 * MIB });
  const perCpu = { SLURM_JOB_ID: "2", SLURM_CPUS_ON_NODE: "4", SLURM_MEM_PER_CPU: "1000" };
  expect(allocation(jobContext(perCpu), perCpu)).toEqual({ cpus: 4, cpusFrom: "allocated", memory: 4000 * MIB });
});

test("PBS and LSF: their CPU counts; outside a job, the cores this process may use", () => {
  const pbs = { PBS_JOBID: "5.server", PBS_NCPUS: "8" };
  expect(allocation(jobContext(pbs), pbs)).toEqual({ cpus: 8, cpusFrom: "allocated" });
  const lsf = { LSB_JOBID: "7", LSB_DJOB_NUMPROC: "16" };
  expect(allocation(jobContext(lsf), lsf)).toEqual({ cpus: 16, cpusFrom: "allocated" });
  expect(allocation(undefined, {}).cpusFrom).toBe("usable");
});

test("usable cores from the affinity list in /proc/self/status", () => {
  expect(usableCpus("Name:\tx\nCpus_allowed_list:\t0-3,8,10-11\n")).toBe(7);
  expect(usableCpus("Cpus_allowed_list:\t5\n")).toBe(1);
  expect(usableCpus(undefined)).toBeGreaterThan(0);
});
