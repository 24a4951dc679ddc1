import { userInfo } from "node:os";
import { ask } from "./ask.ts";
import { type ArrayMembership, bracketed, compact, digits, envValue, positive, type Scheduler } from "./scheduler.ts";
import {
  NO_LIMIT_MS,
  parseNeverSatisfied,
  parseSacct,
  parseSacctRuns,
  parseSacctTasks,
  parseScontrol,
  parseScontrolCommand,
  parseScontrolJob,
  parseScontrolTasks,
  parseSqueueArrays,
  parseSqueueJobs,
  parseSqueueJson,
  parseSqueueLimit,
  parseSqueueQueue,
  QUEUE_FORMAT,
} from "./slurm-parse.ts";
import { parseMemory } from "./units.ts";

/** Slurm: its SLURM_* environment, squeue and scontrol for the time limit and the state, sacct for accounting. */

/** How long the time limit's question may take: it runs beside the command and delays nothing. */
const LIMIT_QUERY_MS = 5000;

/**
 * Who asks, for squeue's -u: the uid, which squeue takes as well as a name. Bun's userInfo()
 * names the user from $USER, "unknown" where it is unset (a relay started with a bare environment).
 */
const user = () => String(process.getuid?.() ?? userInfo().username);

/** Jobs whose scripts are read in one pass: the rest wait for the next. */
const MAX_NEVER_RUNNABLE = 50;
/** Tasks asked of scontrol one by one; more, and the whole array is asked once. */
const MAX_TASKS_SHOWN = 8;

export const slurm: Scheduler = {
  kind: "slurm",
  words: {
    name: "Slurm",
    queue: "Partition",
    cluster: "Cluster",
    stoppers: "the scheduler or scancel",
    signalSenders: "scancel --signal or kill",
    cancel: "scancel",
    memoryFlag: "--mem=",
  },
  explainsSignals: true,

  current(env) {
    const get = (name: string) => envValue(env, name);
    const jobId = get("SLURM_JOB_ID") ?? get("SLURM_JOBID");
    if (!jobId) return undefined;
    const restarts = Number(get("SLURM_RESTART_COUNT"));
    return compact({
      scheduler: "slurm",
      jobId,
      jobName: get("SLURM_JOB_NAME"),
      arrayJobId: get("SLURM_ARRAY_JOB_ID"),
      arrayTaskId: get("SLURM_ARRAY_TASK_ID"),
      queue: get("SLURM_JOB_PARTITION"),
      cluster: get("SLURM_CLUSTER_NAME"),
      nodes: get("SLURM_JOB_NODELIST") ?? get("SLURM_NODELIST"),
      restarts: restarts > 0 ? restarts : undefined,
    });
  },

  /**
   * slurmstepd (its name in /proc, "slurmstepd: [1234.batch]" its command line) starts the
   * batch step's script (SlurmdSpoolDir/job01234/slurm_script) and, under proctrack/cgroup,
   * signals that process alone at a scancel or the time limit, then kills the rest of the step
   * when it ends. mmn below the script (`sbatch --wrap "mmn run …"`, a script without exec)
   * is not told. The step's main process is the one under the nearest slurmstepd above us.
   */
  mainProcess(env, above) {
    if (!this.current(env)) return "not-batch";
    const chain = above.chain;
    const at = chain.findIndex((process) => process.comm === "slurmstepd");
    // Below the script, whether or not /proc shows root's slurmstepd (hidepid).
    const below = at < 0 ? chain : chain.slice(0, at);
    if (below.some((process) => process.argv.some((word) => /(^|\/)slurm_script$/.test(word)))) return "not-main";
    if (at < 0) return above.complete ? "not-batch" : "not-checked";
    if (at === 0) return "main";
    return /\.batch\]/.test(chain[at]!.argv.join(" ")) ? "not-main" : "not-batch";
  },

  arrayTask(env) {
    const arrayId = envValue(env, "SLURM_ARRAY_JOB_ID");
    const taskId = envValue(env, "SLURM_ARRAY_TASK_ID");
    if (!arrayId || !taskId) return undefined;
    const min = digits(envValue(env, "SLURM_ARRAY_TASK_MIN"));
    const max = digits(envValue(env, "SLURM_ARRAY_TASK_MAX"));
    const count =
      digits(envValue(env, "SLURM_ARRAY_TASK_COUNT")) ??
      (min !== undefined && max !== undefined ? max - min + 1 : undefined);
    return { arrayId, taskId, count, name: envValue(env, "SLURM_JOB_NAME") } satisfies ArrayMembership;
  },

  allocated(env) {
    // --mem is per node; --mem-per-cpu times the CPUs of this node.
    const cpus = positive(env.SLURM_CPUS_ON_NODE) ?? positive(env.SLURM_CPUS_PER_TASK);
    const memory = parseMemory(env.SLURM_MEM_PER_NODE);
    const memoryPerCpu = memory ? undefined : parseMemory(env.SLURM_MEM_PER_CPU);
    const gpus = env.SLURM_JOB_GPUS;
    return compact({ cpus, memory, memoryPerCpu, gpus: gpus && /^[\w:.,-]+$/.test(gpus) ? gpus : undefined });
  },

  idText(job) {
    return job.arrayJobId && job.arrayTaskId ? `${job.arrayJobId}_${job.arrayTaskId}` : bracketed(job);
  },

  installed: () => Boolean(Bun.which("squeue") && Bun.which("scontrol")),

  async job(jobId, timeoutMs) {
    return parseScontrolJob(await ask(["scontrol", "show", "job", "-o", jobId], timeoutMs));
  },

  /** From Slurm 23.02 the environment says it; before, and from outside the job, squeue does. */
  async timeLimit(jobId, env) {
    const end = Number(env?.SLURM_JOB_END_TIME);
    const start = Number(env?.SLURM_JOB_START_TIME);
    if (Number.isFinite(end) && end > 0) {
      const limitMs = Number.isFinite(start) && start > 0 && end > start ? (end - start) * 1000 : undefined;
      if (limitMs !== undefined && limitMs >= NO_LIMIT_MS) return undefined;
      return { endsAt: end * 1000, ...(limitMs !== undefined ? { limitMs } : {}) };
    }
    return parseSqueueLimit(await ask(["squeue", "-h", "-j", jobId, "-o", "%e|%l"], LIMIT_QUERY_MS));
  },

  /**
   * Both asked at once: scontrol is in every Slurm, squeue's JSON (21.08 on) lists, from 23.02,
   * the base state that "COMPLETING" hides. The more telling answer wins.
   */
  async state(jobId, timeoutMs) {
    const [json, text] = await Promise.all([
      ask(["squeue", "--json", "-j", jobId], timeoutMs).then(parseSqueueJson),
      ask(["scontrol", "show", "job", "-o", jobId], timeoutMs).then(parseScontrol),
    ]);
    if (json && text) return { ...text, states: [...new Set([...json.states, ...text.states])] };
    return json ?? text;
  },

  /** squeue lists by default only the jobs that are not over: pending, running, suspended, completing. */
  async activeJobs(timeoutMs) {
    const me = user();
    return parseSqueueJobs(await ask(["squeue", "-h", "-u", me, "-o", "%A|%T"], timeoutMs));
  },

  /** %i is a task's ARRAY_TASK (a job's own id outside an array); -r lists each pending task apart. */
  async activeArrays(timeoutMs) {
    const me = user();
    return parseSqueueArrays(await ask(["squeue", "-h", "-r", "-u", me, "-o", "%i|%T"], timeoutMs));
  },

  /** sacct where there is accounting; else scontrol, which shows an ended task for MinJobAge (300 s by default). */
  async arrayAccounting(arrayId, timeoutMs, tasks) {
    const named = tasks?.map((task) => `${arrayId}_${task}`);
    const kept = parseSacctTasks(
      arrayId,
      await ask(["sacct", "-n", "-P", "-X", "-j", named?.join(",") ?? arrayId, "-o", "JobID,State"], timeoutMs),
    );
    if (kept) return kept;
    // scontrol shows one job at a time, a whole array a task a line: a few tasks asked together, else the array.
    const jobs = named && named.length <= MAX_TASKS_SHOWN ? named : [arrayId];
    const shown = await Promise.all(jobs.map((job) => ask(["scontrol", "show", "job", "-o", job], timeoutMs)));
    return shown.some((text) => text !== undefined) ? parseScontrolTasks(arrayId, shown.join("\n")) : undefined;
  },

  /** squeue's %r is the pending reason; the script by `scontrol write batch_script ID -` (to stdout), else scontrol's Command=. */
  async neverRunnable(timeoutMs) {
    const me = user();
    const pending = parseNeverSatisfied(await ask(["squeue", "-h", "-u", me, "-t", "PD", "-o", "%A|%r|%j"], timeoutMs));
    if (!pending) return undefined;
    return Promise.all(
      pending.slice(0, MAX_NEVER_RUNNABLE).map(async ({ jobId, name }) => {
        const script =
          (await ask(["scontrol", "write", "batch_script", jobId, "-"], timeoutMs)) ??
          parseScontrolCommand(await ask(["scontrol", "show", "job", "-o", jobId], timeoutMs)) ??
          "";
        return { jobId, name, script };
      }),
    );
  },

  /**
   * `-t all` keeps the jobs that ended a moment ago (MinJobAge, 300 s by default); `-r` lists
   * each task of an array. A job id squeue no longer knows fails the question when named: then
   * the user's jobs are asked for instead.
   */
  async queue(jobs, timeoutMs) {
    const base = ["squeue", "-h", "-r", "-t", "all", "-o", QUEUE_FORMAT];
    const mine = ["-u", user()];
    if (jobs === "mine") return parseSqueueQueue(await ask([...base, ...mine], timeoutMs));
    const named = parseSqueueQueue(await ask([...base, "-j", jobs.join(",")], timeoutMs));
    if (named) return named;
    const wanted = new Set(jobs);
    return parseSqueueQueue(await ask([...base, ...mine], timeoutMs))?.filter(
      (job) => wanted.has(job.jobId) || wanted.has(job.arrayJobId ?? ""),
    );
  },

  async earlierRuns(jobId, timeoutMs) {
    const output = await ask(["sacct", "--duplicates", "-X", "-n", "-P", "-j", jobId, "-o", "Start,State"], timeoutMs);
    return output === undefined ? undefined : parseSacctRuns(output);
  },

  async accounting(jobId, timeoutMs) {
    const fields = "JobID,State,ExitCode,Start,End,ElapsedRaw,TotalCPU,MaxRSS,AllocCPUS,ReqMem";
    return parseSacct(await ask(["sacct", "-n", "-P", "-j", jobId, "-o", fields], timeoutMs));
  },
};
