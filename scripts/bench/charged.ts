/**
 * What a job's memory cgroup is charged for a process that idles in it, beside its RSS: its
 * anonymous memory, and the page cache it was first to bring in. Pages of a binary that is
 * already cached are charged to whoever read them first, not to the job: with the binary warm
 * (the usual case, a node running many jobs) a job pays little more than the anonymous part;
 * the first job on a node pays for the file's pages it reads (cold), which stay cached, clean
 * and reclaimable. Needs root and a memory controller (cgroup v2, or v1's memory hierarchy).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";

interface Charge {
  /** memory.current (v2) or memory.usage_in_bytes (v1), in KiB. */
  totalKb: number;
  anonKb: number;
  /** Page cache charged to the cgroup (file pages it brought in), in KiB. */
  fileKb: number;
}

interface Controller {
  root: string;
  total: string;
  anon: string;
  file: string;
}

const V2: Controller = { root: "/sys/fs/cgroup", total: "memory.current", anon: "anon", file: "file" };
const V1: Controller = { root: "/sys/fs/cgroup/memory", total: "memory.usage_in_bytes", anon: "rss", file: "cache" };

function controller(): Controller | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const v2 = join(V2.root, "cgroup.controllers");
  if (existsSync(v2) && /\bmemory\b/.test(readFileSync(v2, "utf8"))) return V2;
  return existsSync(join(V1.root, V1.total)) ? V1 : undefined;
}

/**
 * Runs argv alone in a new cgroup (the process joins it before its exec, so every page it
 * touches is charged there), waits `settleMs`, reads the charge, and ends every process in it.
 * `cold`: the binary's pages are dropped from the page cache first. Undefined without a
 * controller we may use.
 */
export async function chargedIdle(
  argv: string[],
  env: Record<string, string>,
  options: { settleMs: number; cold: boolean },
): Promise<Charge | undefined> {
  const ctl = controller();
  if (!ctl) return undefined;
  const dir = join(ctl.root, `mmn-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    mkdirSync(dir);
  } catch {
    return undefined;
  }
  try {
    // Written back first (a binary just built is dirty in the cache, and dirty pages stay), then
    // GNU dd with iflag=nocache and no count asks the kernel to drop the whole file's cached pages.
    if (options.cold) {
      Bun.spawnSync(["sync", argv[0]!], { stderr: "ignore" });
      Bun.spawnSync(["dd", `if=${argv[0]}`, "iflag=nocache", "count=0"], { stderr: "ignore" });
    }
    const proc = Bun.spawn(["sh", "-c", `echo $$ > ${dir}/cgroup.procs && exec "$@"`, "sh", ...argv], {
      env,
      stdout: "ignore",
      stderr: "ignore",
    });
    await Bun.sleep(options.settleMs);
    const stat = new Map(
      readFileSync(join(dir, "memory.stat"), "utf8")
        .trim()
        .split("\n")
        .map((line) => line.split(" ") as [string, string]),
    );
    const charge = {
      totalKb: Number(readFileSync(join(dir, ctl.total), "utf8")) / 1024,
      anonKb: Number(stat.get(ctl.anon) ?? 0) / 1024,
      fileKb: Number(stat.get(ctl.file) ?? 0) / 1024,
    };
    await endAll(dir, proc);
    return charge;
  } finally {
    rmdirSync(dir);
  }
}

/** Every process of the cgroup (mmn's command too), gone before the cgroup is removed. */
async function endAll(dir: string, proc: Bun.Subprocess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const pids = readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }
    await Bun.sleep(20);
  }
  await proc.exited;
}
