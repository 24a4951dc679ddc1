/**
 * What slurmctld tells its MailProg (`MailProg -s SUBJECT RECIPIENT`), as one event: the
 * environment where Slurm gives it (22.05: SLURM_JOB_ID, SLURM_JOB_USER, SLURM_JOB_MAIL_TYPE,
 * SLURM_JOB_NAME, SLURM_JOB_STATE, SLURM_JOB_EXIT_CODE_MAX, SLURM_JOB_RUN_TIME,
 * SLURM_JOB_QUEUED_TIME, SLURM_ARRAY_JOB_ID/TASK_ID…), the subject where it does not (older
 * Slurm: `Slurm Job_id=12 Name=train Ended, Run time 00:10:02, COMPLETED, ExitCode 0`).
 */

/** The event as the spool keeps it: words from Slurm, each bounded. */
export interface MailEvent {
  jobId: string;
  /** Began, Ended, Failed, Requeued, "Reached time limit", …: Slurm's word for the event. */
  type: string;
  /** The job's user (SLURM_JOB_USER), or undefined where Slurm said none. */
  user?: string;
  /** Whom the mail is for: --mail-user, else the user. */
  recipient: string;
  name?: string;
  /** COMPLETED, FAILED, CANCELLED, TIMEOUT… at the end; RUNNING at the start. */
  state?: string;
  exitCode?: string;
  runTime?: string;
  queuedTime?: string;
  arrayJobId?: string;
  /** None for an array's summary (`Slurm Array Summary Job_id=12_*`: the array as a whole). */
  arrayTaskId?: string;
  arrayCount?: string;
  /** The mail is about the whole array (sent without ARRAY_TASKS): once at its start, once at its end. */
  summary?: true;
  node?: string;
  /** Epoch ms, when MailProg was called. */
  at: number;
}

const WORD = /^[\w.@+:/ ,()[\]-]{1,200}$/;

/** The event of one MailProg call, or why it is none. */
export function mailEvent(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  now = Date.now(),
): MailEvent | { error: string } {
  let subject = "";
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "-s") subject = argv[++i] ?? "";
    else rest.push(argv[i]!);
  }
  const recipient = clean(rest.at(-1)) ?? clean(env.SLURM_JOB_USER);
  const fromSubject = parseSubject(subject);
  // A summary's environment is its last task's (SLURM_JOB_STATE, SLURM_ARRAY_TASK_ID): the subject speaks for the array.
  const summary = /^Slurm Array Summary /.test(subject);
  const jobId = clean(env.SLURM_JOB_ID) ?? fromSubject.jobId;
  const type = clean(env.SLURM_JOB_MAIL_TYPE) ?? fromSubject.type;
  if (!jobId || !/^\d+$/.test(jobId))
    return { error: `no job id in the environment or the subject ${JSON.stringify(subject)}` };
  if (!recipient) return { error: `no recipient for job ${jobId}` };
  const pick = (value: string | undefined) => clean(value);
  const event: MailEvent = { jobId, type: type ?? "Ended", recipient, at: now };
  const fields: Array<[keyof MailEvent, string | undefined]> = [
    ["user", pick(env.SLURM_JOB_USER)],
    ["name", pick(env.SLURM_JOB_NAME) ?? fromSubject.name],
    ["state", summary ? fromSubject.state : (pick(env.SLURM_JOB_STATE) ?? fromSubject.state)],
    ["exitCode", summary ? fromSubject.exitCode : (pick(env.SLURM_JOB_EXIT_CODE_MAX) ?? fromSubject.exitCode)],
    ["runTime", pick(env.SLURM_JOB_RUN_TIME) ?? fromSubject.runTime],
    ["queuedTime", pick(env.SLURM_JOB_QUEUED_TIME)],
    ["arrayJobId", pick(env.SLURM_ARRAY_JOB_ID) ?? (summary ? jobId : undefined)],
    ["arrayTaskId", summary ? undefined : pick(env.SLURM_ARRAY_TASK_ID)],
    ["arrayCount", pick(env.SLURM_ARRAY_TASK_COUNT)],
    ["node", pick(env.SLURM_JOB_NODELIST)],
  ];
  for (const [key, value] of fields) if (value !== undefined) Object.assign(event, { [key]: value });
  if (summary) event.summary = true;
  return event;
}

const STRINGS = [
  "user",
  "name",
  "state",
  "exitCode",
  "runTime",
  "queuedTime",
  "arrayJobId",
  "arrayTaskId",
  "arrayCount",
  "node",
] as const;

/** An event read back from the spool: every field checked again, nothing else kept. */
export function parseMailEvent(text: string): MailEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.jobId !== "string" || !/^\d+$/.test(v.jobId) || typeof v.at !== "number") return undefined;
  if (typeof v.type !== "string" || typeof v.recipient !== "string") return undefined;
  const out: MailEvent = { jobId: v.jobId, type: v.type, recipient: v.recipient, at: v.at };
  for (const key of STRINGS) if (typeof v[key] === "string" && WORD.test(v[key])) out[key] = v[key];
  if (v.summary === true) out.summary = true;
  return WORD.test(out.type) && WORD.test(out.recipient) ? out : undefined;
}

/** Slurm's subject: `Slurm [Array Task ]Job_id=12[_3 (13)] Name=NAME TYPE[, Run time HH:MM:SS, STATE, ExitCode N]`. */
function parseSubject(
  subject: string,
): Partial<Record<"jobId" | "name" | "type" | "state" | "exitCode" | "runTime", string>> {
  const m =
    /Job_id=(\d+)(?:_(?:\d+|\*))?(?: \((\d+)\))? Name=(.*?) (Began|Ended|Failed|Requeued|Reached time limit|Reached \d+% of time limit|Staged Out|Invalid dependency)(?:, Run time ([\d:-]+))?(?:, (\w+), ExitCode (\[?[\d-]+\]?))?/.exec(
      subject,
    );
  if (!m) return {};
  const out: Record<string, string> = { jobId: m[2] ?? m[1]!, name: m[3]!, type: m[4]! };
  for (const [key, value] of [
    ["runTime", m[5]],
    ["state", m[6]],
    ["exitCode", m[7]],
  ] as const)
    if (value) out[key] = value;
  return out;
}

function clean(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text && text !== "(null)" && WORD.test(text) ? text : undefined;
}
