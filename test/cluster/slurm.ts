// A private single-node Slurm for tests: munged, slurmctld and slurmd in the foreground,
// children of the test process, with config, state, sockets and logs in one temporary
// directory. Needs root (see prerequisites.ts).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { outputOf } from "../helpers/output.ts";
import { program } from "./prerequisites.ts";
import { type JobRecord, jobRecords, TERMINAL } from "./scontrol.ts";
import { cgroupConf, PARTITION, type Proctrack, slurmConf } from "./slurm-conf.ts";

export interface Cluster {
  /** For anything that talks to this cluster: its slurm.conf, and nothing of the caller's. */
  env: Record<string, string>;
  /** `sbatch --parsable ARGS` with the script on stdin; the job id. */
  submit(script: string, args: string[]): Promise<string>;
  /** The same as one of `users` (root's `sbatch --uid`): the job is that user's. */
  submitAs(user: string, script: string, args: string[]): Promise<string>;
  /** The job's records from scontrol: one per array task, started or not. */
  jobs(jobId: string): Promise<JobRecord[]>;
  /** Polls until every record of the job is in one of `states`; a job that ends in another state fails. */
  waitForState(jobId: string, states: string[], timeoutMs: number): Promise<JobRecord[]>;
  /** `scancel [OPTIONS] JOBID`: `-b -s USR1` signals the batch shell alone, as sbatch --signal=B: does. */
  scancel(jobId: string, options?: string[]): Promise<void>;
  /** `scontrol requeue`: the job is stopped as a preemption with requeue would, and queued again. */
  requeue(jobId: string): Promise<void>;
  /** `scontrol ARGS`: suspend, resume, update. */
  scontrol(args: string[]): Promise<void>;
  stop(): Promise<void>;
}

const POLL_MS = 200;
let clusters = 0;
const FREEZER = "/sys/fs/cgroup/freezer";
const MEMORY = "/sys/fs/cgroup/memory";

/**
 * proctrack/cgroup where the cgroup v1 freezer is mounted, as on most clusters: it decides who
 * hears Slurm's SIGTERM (only a step's own task, e.g. the batch shell, or mmn when exec'd).
 * proctrack/linuxproc elsewhere: it signals every process of the job. MMN_SLURM_PROCTRACK forces one.
 */
export function chooseProctrack(): Proctrack {
  const forced = process.env.MMN_SLURM_PROCTRACK;
  if (forced === "cgroup" || forced === "linuxproc") return forced;
  return existsSync(join(FREEZER, "cgroup.procs")) ? "cgroup" : "linuxproc";
}

export async function startCluster(opts: {
  killWait: number;
  proctrack: Proctrack;
  mailProg?: string | undefined;
  /** Users that exist for this cluster alone (uid = gid): /etc/passwd and /etc/group seen with them by its daemons and sbatch, in a mount namespace of their own. */
  users?: ReadonlyArray<{ name: string; uid: number }> | undefined;
}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "mmn-slurm-"));
  mkdirSync(join(dir, "state"));
  mkdirSync(join(dir, "spool"));
  const conf = join(dir, "slurm.conf");
  // Two files may each start one in the same process, one after the other.
  const node = `mmn${process.pid}x${++clusters}`;
  const { proctrack } = opts;
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", SLURM_CONF: conf, LANG: "C" };
  const daemons: Subprocess[] = [];
  const killAll = () => {
    for (const daemon of daemons) daemon.kill("SIGKILL");
  };
  process.once("exit", killAll);

  const withUsers = usersView(dir, opts.users);
  // Their jobs' steps reach the batch script in the spool: the directory is passed through, not listed.
  if (opts.users?.length) chmodSync(dir, 0o711);
  const daemon = (name: string, args: string[]) => {
    const out = Bun.file(join(dir, `${name}.out`));
    daemons.push(Bun.spawn(withUsers([program(name), ...args]), { env, stdin: "ignore", stdout: out, stderr: out }));
  };
  const failure = (what: string) => {
    const logs = ["munged.out", "slurmctld.out", "slurmd.out"].map((f) => `--- ${f}\n${tailOf(join(dir, f))}`);
    return new Error(`${what}\n${logs.join("\n")}`);
  };
  const ready = async (check: () => Promise<boolean>, what: string) => {
    const end = performance.now() + 30_000;
    while (!(await check())) {
      if (daemons.some((d) => d.exitCode !== null)) throw failure(`a daemon exited before ${what}`);
      if (performance.now() > end) throw failure(`timed out waiting for ${what}`);
      await Bun.sleep(100);
    }
  };

  try {
    const socket = join(dir, "munge.sock");
    const key = join(dir, "munge.key");
    await command(env, [program("mungekey"), "--create", "--keyfile", key]);
    daemon("munged", [
      "--foreground",
      "--force",
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--pid-file=${dir}/munged.pid`,
      `--log-file=${dir}/munged.log`,
      `--seed-file=${dir}/munged.seed`,
    ]);
    await ready(async () => existsSync(socket), "munged's socket");

    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const host = hostname().split(".")[0]!;
    writeFileSync(join(dir, "cgroup.conf"), cgroupConf());
    writeFileSync(
      conf,
      slurmConf({
        dir,
        node,
        proctrack,
        host,
        ctldPort,
        slurmdPort,
        mungeSocket: socket,
        killWait: opts.killWait,
        mailProg: opts.mailProg,
      }),
    );
    daemon("slurmctld", ["-D", "-f", conf]);
    daemon("slurmd", ["-D", "-f", conf, "-N", node]);
    const nodeState = async () => (await command(env, ["sinfo", "-h", "-n", node, "-o", "%T"], true)).stdout.trim();
    await ready(async () => (await nodeState()) === "idle", `node ${node} to be idle`);
  } catch (error) {
    killAll();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const cluster: Cluster = {
    env,
    async submit(script, args) {
      const r = await command(env, ["sbatch", "--parsable", ...args], false, script);
      return r.stdout.trim().split(";")[0]!;
    },
    async submitAs(user, script, args) {
      const argv = withUsers(["sbatch", "--parsable", `--uid=${user}`, `--gid=${user}`, ...args]);
      const r = await command(env, argv, false, script);
      return r.stdout.trim().split(";")[0]!;
    },
    async jobs(jobId) {
      return jobRecords((await command(env, ["scontrol", "show", "job", "-o", jobId])).stdout);
    },
    async waitForState(jobId, states, timeoutMs) {
      const end = performance.now() + timeoutMs;
      for (;;) {
        const records = await cluster.jobs(jobId);
        if (records.length && records.every((r) => states.includes(r.state))) return records;
        const wrong = records.find((r) => TERMINAL.has(r.state) && !states.includes(r.state));
        if (wrong) throw new Error(`job ${wrong.jobId} ended ${wrong.state}, not ${states.join("/")}: ${wrong.raw}`);
        if (performance.now() > end)
          throw new Error(
            `job ${jobId} not ${states.join("/")} in ${timeoutMs} ms: ${records.map((r) => r.state).join(" ")}`,
          );
        await Bun.sleep(POLL_MS);
      }
    },
    async scancel(jobId, options = []) {
      await command(env, ["scancel", ...options, jobId]);
    },
    async requeue(jobId) {
      await command(env, ["scontrol", "requeue", jobId]);
    },
    async scontrol(args) {
      await command(env, ["scontrol", ...args]);
    },
    async stop() {
      process.off("exit", killAll);
      // slurmd leaves running jobs to their slurmstepd: end them before the daemons.
      await command(env, ["scancel", "--partition", PARTITION], true);
      const end = performance.now() + 3_000 + opts.killWait * 1000;
      while (performance.now() < end && (await command(env, ["squeue", "-h", "-o", "%i"], true)).stdout.trim())
        await Bun.sleep(POLL_MS);
      for (const d of daemons.toReversed()) {
        d.kill("SIGTERM");
        await Promise.race([d.exited, Bun.sleep(5_000)]);
        d.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
      // slurmd leaves its node's empty cgroups behind (freezer, and memory for task/cgroup); the name is this cluster's own.
      if (proctrack === "cgroup")
        for (const hierarchy of [FREEZER, MEMORY]) removeCgroup(join(hierarchy, `slurm_${node}`));
    },
  };
  return cluster;
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without blocking the event loop: the test server answers the jobs from this process. */
async function command(
  env: Record<string, string>,
  argv: string[],
  allowFailure = false,
  stdin?: string,
): Promise<CommandResult> {
  const proc = Bun.spawn(argv, {
    env,
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, code } = await outputOf(proc);
  if (code !== 0 && !allowFailure) throw new Error(`${argv.join(" ")} exited with ${code}: ${stderr.trim()}`);
  return { code, stdout, stderr };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tailOf(path: string): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "(none)";
  }
}

/** A cgroup goes with rmdir once it holds no process; one still busy stays. */
function removeCgroup(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // Missing, or a process still in it: nothing of ours to clean.
  }
}

/**
 * A program run where `users` exist: /etc/passwd and /etc/group bound over by copies with them
 * added, in a mount namespace of its own (the machine's files untouched). The program is exec'd:
 * its pid is the one spawned, for the signals.
 */
function usersView(dir: string, users: ReadonlyArray<{ name: string; uid: number }> | undefined) {
  if (!users?.length) return (argv: string[]) => argv;
  const passwd = join(dir, "passwd");
  const group = join(dir, "group");
  writeFileSync(
    passwd,
    readFileSync("/etc/passwd", "utf8") + users.map((u) => `${u.name}:x:${u.uid}:${u.uid}::/tmp:/bin/sh\n`).join(""),
  );
  writeFileSync(group, readFileSync("/etc/group", "utf8") + users.map((u) => `${u.name}:x:${u.uid}:\n`).join(""));
  const script = 'p=$1; g=$2; shift 2; mount --bind "$p" /etc/passwd && mount --bind "$g" /etc/group && exec "$@"';
  return (argv: string[]) => ["unshare", "-m", "sh", "-c", script, "sh", passwd, group, ...argv];
}
