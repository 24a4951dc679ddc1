import { basename } from "node:path";
import type { JobContext } from "../../scheduler/scheduler.ts";
import { inlineCode, literal } from "./fence.ts";
import { jobIdText } from "./job.ts";

/**
 * How the first line of a post names the job, which is all a phone shows: the title, else the
 * scheduler's job name and id ("sweep 12345_7"), else the command, or when it is too long to
 * show whole, its script ("train.py --epochs 50…", never a line cut before the script's name).
 */

const COMMAND_MAX = 60;

/** Programs that run another, named after their options: what follows is the job. */
const LAUNCHERS = new Set([
  "env",
  "nice",
  "nohup",
  "time",
  "timeout",
  "stdbuf",
  "taskset",
  "numactl",
  "chrt",
  "ionice",
  "setsid",
  "exec",
  "srun",
  "mpirun",
  "mpiexec",
  "mpiexec.hydra",
  "prun",
  "aprun",
  "jsrun",
  "ibrun",
  "charmrun",
  "apptainer",
  "singularity",
  "docker",
  "podman",
  "conda",
  "mamba",
  "micromamba",
  "uv",
  "poetry",
  "pixi",
  "pipenv",
  "torchrun",
  "accelerate",
  "deepspeed",
  "horovodrun",
  "xvfb-run",
  "python",
  "python2",
  "python3",
  "pypy",
  "pypy3",
  "ipython",
  "Rscript",
  "R",
  "julia",
  "perl",
  "ruby",
  "node",
  "bun",
  "deno",
  "bash",
  "sh",
  "zsh",
  "ksh",
  "dash",
  "tcsh",
  "csh",
  "matlab",
  "octave",
  "java",
  "lua",
  "php",
  "tclsh",
]);

/** Words of a launcher that are not the program it runs. */
const SUBCOMMANDS = new Set(["exec", "run", "launch", "shell"]);

const SCRIPT = /\.(py|sh|bash|zsh|r|R|jl|pl|rb|js|mjs|ts|m|lua|php|tcl|ipynb|nf|smk|wdl)$/;

/** The script a command runs: "train.py" in `srun python -u train.py`; undefined for `bash -c '…'`. */
export function scriptOf(argv: readonly string[]): { index: number; name: string } | undefined {
  let i = 0;
  while (i < argv.length && /^[A-Za-z_]\w*=/.test(argv[i]!)) i++;
  let fallback: number | undefined;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "-c" || word === "-e" || word === "--eval") return undefined;
    if (word === "-m" && i + 1 < argv.length) return { index: i + 1, name: argv[i + 1]! };
    if (word.startsWith("-") || SUBCOMMANDS.has(word)) continue;
    const base = basename(word);
    if (SCRIPT.test(base) || (word.includes("/") && !LAUNCHERS.has(base.replace(/[\d.]+$/, ""))))
      return { index: i, name: base };
    if (LAUNCHERS.has(base) || LAUNCHERS.has(base.replace(/[\d.]+$/, ""))) continue;
    // A number is a launcher option's value (mpirun -np 4), an image a container's.
    if (/^\d+$/.test(word) || /\.(sif|img|simg)$/.test(word)) continue;
    fallback ??= i;
  }
  return fallback === undefined ? undefined : { index: fallback, name: basename(argv[fallback]!) };
}

/** "sweep 12345_7"; the job id alone when the name is only the scheduler's default for a script on stdin. */
export function jobLabel(job: JobContext): string {
  const id = jobIdText(job);
  const name = job.jobName && !["sbatch", "STDIN", "interactive"].includes(job.jobName) ? job.jobName : undefined;
  return name ? `${literal(name)} ${literal(id)}` : `job ${literal(id)}`;
}

/** The command as the first line shows it: whole when short, else from its script on. */
export function commandLabel(command: string, argv: readonly string[] | undefined): string {
  const first = firstLine(command);
  if (first.length <= COMMAND_MAX && !command.includes("\n")) return inlineCode(first);
  const script = argv && scriptOf(argv);
  if (script) {
    const rest = displayCommand(argv!.slice(script.index + 1));
    return inlineCode(cut(rest ? `${script.name} ${rest}` : script.name));
  }
  return inlineCode(cut(command.includes("\n") ? `${first.trimEnd()}…` : first));
}

/** Quote argv for display the way a shell user would type it back. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

function cut(text: string): string {
  const line = firstLine(text);
  const more = line !== text;
  const shown = more ? `${line.trimEnd()}…` : line;
  return shown.length > COMMAND_MAX ? `${shown.slice(0, COMMAND_MAX - 1)}…` : shown;
}
