import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JobCgroup, locate, parseMountinfo, parseOomKills, parseProcCgroup } from "../../../src/run/job/cgroup.ts";
import { scratch } from "../helpers.ts";

const fixture = (name: string) => readFileSync(join(import.meta.dir, "fixtures", name), "utf8");
const dir = scratch("cgroup");
afterAll(dir.cleanup);

/** A cgroup hierarchy of files under the scratch directory, as the kernel would show it. */
function tree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

describe("finding the job's memory cgroup", () => {
  test("/proc/self/cgroup: the v1 memory line and the v2 line", () => {
    expect(parseProcCgroup(fixture("slurm-v1.cgroup"))).toEqual({
      v1: "/slurm_mmn17862/uid_0/job_1/step_batch/task_0",
      v2: "/",
    });
    expect(parseProcCgroup(fixture("slurm-v2.cgroup"))).toEqual({
      v2: "/system.slice/slurmstepd.scope/job_4242/step_batch/user/task_0",
    });
  });

  test("mountinfo: the v1 memory mount among the others, the v2 mount, escaped paths", () => {
    expect(parseMountinfo(fixture("hybrid.mountinfo"))).toEqual({
      v1: { root: "/", point: "/sys/fs/cgroup/memory" },
      v2: { root: "/", point: "/sys/fs/cgroup/unified" },
    });
    expect(parseMountinfo("40 31 0:37 /job /mnt/my\\040cgroups rw - cgroup2 cgroup2 rw\n")).toEqual({
      v2: { root: "/job", point: "/mnt/my cgroups" },
    });
  });

  test("a hybrid system keeps memory in v1: that is the one used", () => {
    const mounts = fixture("hybrid.mountinfo").replaceAll("/sys/fs/cgroup", dir.path("hybrid"));
    expect(locate(fixture("slurm-v1.cgroup"), mounts)).toEqual({
      version: 1,
      dir: dir.path("hybrid/memory/slurm_mmn17862/uid_0/job_1/step_batch/task_0"),
      mount: dir.path("hybrid/memory"),
    });
  });

  test("v2: used only where the memory controller is there; a namespace's root is taken off the path", () => {
    const mounts = fixture("v2.mountinfo").replaceAll("/sys/fs/cgroup", dir.path("v2"));
    const path = "/system.slice/slurmstepd.scope/job_4242/step_batch/user/task_0";
    expect(locate(fixture("slurm-v2.cgroup"), mounts)).toBeUndefined();
    tree(dir.path("v2"), { [`${path}/memory.current`]: "1000\n" });
    expect(locate(fixture("slurm-v2.cgroup"), mounts)).toEqual({
      version: 2,
      dir: dir.path(`v2${path}`),
      mount: dir.path("v2"),
    });
    const namespaced = `27 26 0:23 /system.slice/slurmstepd.scope ${dir.path("v2ns")} rw - cgroup2 cgroup2 rw\n`;
    tree(dir.path("v2ns"), { "job_4242/step_batch/user/task_0/memory.current": "1\n" });
    expect(locate(fixture("slurm-v2.cgroup"), namespaced)?.dir).toBe(dir.path("v2ns/job_4242/step_batch/user/task_0"));
  });

  test("the kill counters: v1's memory.oom_control and v2's memory.events; an old kernel's has none", () => {
    expect(parseOomKills(fixture("oom_control"))).toBe(1);
    expect(parseOomKills(fixture("memory.events"))).toBe(2);
    expect(parseOomKills("oom_kill_disable 0\nunder_oom 0\n")).toBeUndefined();
  });
});

describe("reading it", () => {
  test("v1 under Slurm: the job's limit binds, its peak and the kills since the start in our own cgroup", () => {
    const root = dir.path("v1/memory");
    const job = "slurm_n/uid_0/job_1";
    const task = `${job}/step_batch/task_0`;
    const unlimited = "9223372036854771712\n";
    tree(root, {
      "memory.limit_in_bytes": unlimited,
      "slurm_n/memory.limit_in_bytes": unlimited,
      [`${job}/memory.limit_in_bytes`]: "209715200\n",
      [`${job}/memory.max_usage_in_bytes`]: "209711104\n",
      [`${job}/memory.usage_in_bytes`]: "104857600\n",
      [`${job}/memory.failcnt`]: "3\n",
      [`${job}/memory.oom_control`]: "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
      // Slurm limits the step as it does the job: the job's cgroup, above, holds every step.
      [`${job}/step_batch/memory.limit_in_bytes`]: "209715200\n",
      [`${job}/step_batch/memory.max_usage_in_bytes`]: "1000\n",
      [`${task}/memory.limit_in_bytes`]: unlimited,
      [`${task}/memory.oom_control`]: "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
    });
    const cgroup = new JobCgroup({ version: 1, dir: join(root, task), mount: root });
    expect(cgroup.limit).toBe(209715200);
    expect(cgroup.usage()).toBe(104857600);
    writeFileSync(join(root, task, "memory.oom_control"), "oom_kill_disable 0\nunder_oom 1\noom_kill 3\n");
    writeFileSync(join(root, job, "memory.failcnt"), "10\n");
    expect(cgroup.end()).toEqual({ limit: 209715200, peak: 209711104, oomKills: 1, limitHits: 7 });
  });

  test("v2: memory.max, memory.peak, memory.events of the limited cgroup (it counts its steps' kills too)", () => {
    const root = dir.path("v2b");
    tree(root, {
      "job/memory.max": "1073741824\n",
      "job/memory.peak": "52428800\n",
      "job/memory.current": "41943040\n",
      "job/memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n",
      "job/step/memory.max": "max\n",
      "job/step/memory.events": "oom_kill 0\n",
    });
    const cgroup = new JobCgroup({ version: 2, dir: join(root, "job/step"), mount: root });
    expect(cgroup.usage()).toBe(41943040);
    writeFileSync(join(root, "job/memory.events"), "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
    expect(cgroup.end()).toEqual({ limit: 1073741824, peak: 52428800, oomKills: 1 });
  });

  test("no limit anywhere: not the job's cgroup, nothing is read from it", () => {
    const root = dir.path("none");
    tree(root, { "a/memory.max": "max\n", "a/memory.current": "5\n", "a/memory.events": "oom_kill 4\n" });
    const cgroup = new JobCgroup({ version: 2, dir: join(root, "a"), mount: root });
    expect(cgroup.limit).toBeUndefined();
    expect(cgroup.usage()).toBeUndefined();
    expect(cgroup.end()).toBeUndefined();
  });
});
