/**
 * What mmn asks of a batch scheduler, Slurm, PBS or LSF alike, each behind this one interface
 * in a file of its own (slurm.ts, pbs.ts, lsf.ts; none.ts outside any). Two ways in: the job
 * this process runs in, read from the environment the scheduler set (`current`, `arrayTask`,
 * `allocated`); and any job by its id, asked of the scheduler's programs, which works as well
 * from a login node with none of the job's environment (`timeLimit`, `state`, `accounting`).
 */

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether mmn is the process a scheduler signals at a cancel or the time limit, and so can
 * report the end: "main" (the batch step's own process, as `exec mmn run` makes it); "not-main"
 * (a child of the batch script, which the scheduler does not signal and kills with it);
 * "not-batch" (no batch step: an interactive shell, an srun step, no job); "not-checked" where
 * mmn does not know how the scheduler signals a job, or could not see its processes.
 */
export type MainProcess = "main" | "not-main" | "not-batch" | "not-checked";

/** Who the job is. */
export interface JobContext {
  /** The scheduler's `kind` ("slurm", "pbs", "lsf"). */
  scheduler: string;
  jobId: string;
  jobName?: string;
  arrayJobId?: string;
  arrayTaskId?: string;
  queue?: string;
  cluster?: string;
  nodes?: string;
  /** How many times the scheduler requeued the job before this run (SLURM_RESTART_COUNT). */
  restarts?: number;
  /** Where the job's standard output goes, as the scheduler names it (asked of it, not the environment). */
  stdout?: string;
}

/** A task of a job array, as its environment tells. */
export interface ArrayMembership {
  /** The array's own id, the same for every task. */
  arrayId: string;
  taskId: string;
  /** How many tasks the array has, when the scheduler tells. */
  count: number | undefined;
  /** The job's name, without any index the scheduler appends. */
  name: string | undefined;
}

/** What the scheduler gave the job on this node; what it does not say is left out. */
interface Allocated {
  cpus?: number;
  /** Bytes for the whole node (Slurm's --mem). */
  memory?: number;
  /** Bytes per CPU (Slurm's --mem-per-cpu): times the node's CPUs. */
  memoryPerCpu?: number;
  /** The GPUs' indices, as nvidia-smi's -i takes them ("0,1"). */
  gpus?: string;
}

export interface TimeLimit {
  /** When the scheduler ends the job, ms since the epoch. */
  endsAt: number;
  /** The limit itself, when known. */
  limitMs?: number;
}

/** The job's state when asked, in Slurm's words where the scheduler has its own (PBS's "R" is RUNNING). */
export interface JobState {
  /** As the scheduler shows it (COMPLETING hides the state under it, which squeue's JSON may tell); "" when not known. */
  state: string;
  /** The states and flags that newer Slurm lists (["CANCELLED", "COMPLETING"]); else just the state. */
  states: string[];
  /** The scheduler's own reason ("TimeLimit", PBS's comment, LSF's pending or exit reason). */
  reason?: string;
  restarts?: number;
  /** An ended job's exit code and the signal that ended its script, where the scheduler still shows it (scontrol's ExitCode). */
  exitCode?: number;
  signal?: number;
  /** How long it ran (scontrol's RunTime). */
  elapsedMs?: number;
}

/** One run of a job that was requeued, oldest first. */
export interface EarlierRun {
  /** ms since the epoch. */
  start?: number;
  /** How it ended, in Slurm's words (NODE_FAIL, PREEMPTED, REQUEUED, RUNNING for this one). */
  state: string;
}

/** What accounting keeps of a job after its end. */
export interface Accounting {
  /** How it ended, in Slurm's words where they match: COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY. */
  state: string;
  /** The scheduler's own word on why, when it gives one (LSF's exit reason, PBS's comment). */
  reason?: string;
  /** Who cancelled it, as accounting names them (Slurm's "CANCELLED by 1000": a uid). */
  by?: string;
  exitCode?: number;
  /** The signal that ended the job's script, by number. */
  signal?: number;
  /** ms since the epoch. */
  startedAt?: number;
  endedAt?: number;
  elapsedMs?: number;
  cpuSeconds?: number;
  /** The most memory the job held, in bytes. */
  maxMemory?: number;
  /** The CPUs it was given, and the memory it asked for (bytes, for the whole job): seff's efficiencies. */
  cpus?: number;
  requestedMemory?: number;
}

/** A job as the queue lists it, for `mmn watch`: one question a poll for every job it follows. */
export interface QueuedJob {
  /** The job's own id (an array's task has one too). */
  jobId: string;
  arrayJobId?: string;
  arrayTaskId?: string;
  name: string;
  /** In Slurm's words: PENDING, RUNNING, SUSPENDED, COMPLETING, COMPLETED, FAILED, CANCELLED, TIMEOUT… */
  state: string;
  /** Why it waits (Priority, Resources, Dependency, JobHeldUser) or why it ended. */
  reason?: string;
  /** Epoch ms. */
  submittedAt?: number;
  startedAt?: number;
  endedAt?: number;
  limitMs?: number;
  exitCode?: number;
  signal?: number;
  /** Where its standard output goes, where the listing says it. */
  stdout?: string;
}

/** The scheduler's own names, for report/ to put into words. */
interface SchedulerWords {
  /** "Slurm". */
  name: string;
  /** What it calls a queue and a cluster: "Partition", "Server". */
  queue: string;
  cluster: string;
  /** Who may have sent a SIGTERM: "the scheduler or scancel". */
  stoppers: string;
  /** Who sends a job a signal of their choice: "scancel --signal or kill". */
  signalSenders: string;
  /** How a user cancels a job: "scancel". */
  cancel: string;
  /** The flag that asks for memory per node, as it takes an amount ("--mem="); unset where there is no single one. */
  memoryFlag?: string;
}

export interface Scheduler {
  /** Its name in JobContext.scheduler and in an array's board id. */
  readonly kind: string;
  readonly words: SchedulerWords;

  /** The job this process runs in, from its environment; undefined outside one of this scheduler's jobs. */
  current(env: Env): JobContext | undefined;
  /** The array this process's job is a task of; undefined for a job that is not one. */
  arrayTask(env: Env): ArrayMembership | undefined;
  /** Whether this process is the one the scheduler signals (see MainProcess), from the environment and the processes above it. */
  mainProcess(env: Env, above: Ancestry): MainProcess;
  /** What this process's job was given on this node. */
  allocated(env: Env): Allocated;
  /** The job's id in the scheduler's notation: Slurm "1234_7", PBS and LSF "1234[7]". */
  idText(job: JobContext): string;

  /** Whether its programs are on PATH: on a login node, the scheduler jobs are asked of. */
  installed(): boolean;
  /** Who job `jobId` is (name, array, queue, nodes, restarts), asked of the scheduler; undefined when it does not know it. */
  job(jobId: string, timeoutMs: number): Promise<JobContext | undefined>;
  /**
   * When job `jobId` runs out of time; undefined for no limit (none is none) or no answer.
   * `env`, the job's own environment when asked from inside it, may answer without a question.
   */
  timeLimit(jobId: string, env?: Env): Promise<TimeLimit | undefined>;
  /** Job `jobId`'s state now, with the scheduler's reason; undefined when it gives none within `timeoutMs`. */
  state(jobId: string, timeoutMs: number): Promise<JobState | undefined>;
  /** Whether `state` tells who sent a stopping signal (Slurm's CANCELLED, PREEMPTED, TIMEOUT): asked at a SIGTERM. */
  readonly explainsSignals: boolean;
  /**
   * The user's jobs that are not over, by id with their state, in one question for all of
   * them (the relay asks it each pass, however many runs it watches); undefined where it
   * cannot be asked that way, or gives no answer.
   */
  activeJobs?(timeoutMs: number): Promise<Map<string, string> | undefined>;
  /**
   * The user's job arrays that still have a task pending or running: the array's id and those
   * tasks' ids, in one question; undefined where it cannot be asked that way, or gives no answer.
   */
  activeArrays?(timeoutMs: number): Promise<Map<string, Set<string>> | undefined>;
  /**
   * An array's tasks as accounting kept them (else as the scheduler still shows them): the
   * task's id and its state ("CANCELLED"); of the tasks named alone, where some are.
   */
  arrayAccounting?(
    arrayId: string,
    timeoutMs: number,
    tasks?: readonly string[],
  ): Promise<Map<string, string> | undefined>;
  /**
   * The user's jobs that wait on a dependency that can no longer be satisfied (Slurm's
   * DependencyNeverSatisfied), each with its batch script (where mmn's `--thread` is read).
   */
  neverRunnable?(timeoutMs: number): Promise<NeverRunnable[] | undefined>;
  /**
   * The jobs named (or every job of the user's, "mine"), pending, running or recently ended,
   * in one question; undefined where it gives no answer. A job it no longer lists has ended.
   */
  queue?(jobs: readonly string[] | "mine", timeoutMs: number): Promise<QueuedJob[] | undefined>;
  /** A requeued job's runs, oldest first, where accounting keeps them. */
  earlierRuns(jobId: string, timeoutMs: number): Promise<EarlierRun[] | undefined>;
  /** What accounting kept after the job's end, where there is any. */
  accounting(jobId: string, timeoutMs: number): Promise<Accounting | undefined>;
}

/** A job that will never run: its id, its name, and its batch script (or command) as the scheduler keeps it. */
interface NeverRunnable {
  jobId: string;
  name: string;
  script: string;
}

/** The processes above this one (ancestry.ts): the parent first. */
export interface Ancestry {
  chain: ReadonlyArray<{ pid: number; comm: string; argv: readonly string[] }>;
  /** Whether the chain reached pid 1. */
  complete: boolean;
}

/** An environment variable, trimmed; undefined when unset or blank. */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A whole count above zero ("8"), else undefined. */
export function positive(value: string | undefined): number | undefined {
  const n = value === undefined ? Number.NaN : Number(value.trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The object without its undefined fields, as JobContext is compared and shown. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}

/** A count as an array's variables give it, 0 included. */
export function digits(raw: string | undefined): number | undefined {
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** An array task's id as PBS and LSF write it, "1234[7]", unless the job's id says it already. */
export function bracketed(job: JobContext): string {
  return job.arrayTaskId && !job.jobId.includes("[") ? `${job.jobId}[${job.arrayTaskId}]` : job.jobId;
}
