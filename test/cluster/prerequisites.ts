// Whether a private Slurm can be started here: the cluster suite runs only where it can.

/** What the suite needs besides root: Debian's slurm-wlm and munge provide all of it. */
const PROGRAMS = [
  "slurmctld",
  "slurmd",
  "sbatch",
  "srun",
  "scontrol",
  "squeue",
  "scancel",
  "sinfo",
  "munged",
  "mungekey",
];

/** Why no cluster can be started here, in a few words; undefined when it can. */
export function clusterUnavailable(): string | undefined {
  if (process.platform !== "linux") return "Slurm runs on Linux only";
  // slurmd starts jobs as their owner and slurmctld must trust it: both need root.
  if (process.getuid?.() !== 0) return "starting slurmctld and slurmd needs root";
  const missing = PROGRAMS.filter((name) => !Bun.which(name, { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` }));
  if (missing.length) return `${missing.join(", ")} not installed (apt-get install slurm-wlm munge)`;
  return undefined;
}

/** The path of a Slurm or munge program, sbin included (root's PATH may lack it). */
export function program(name: string): string {
  return Bun.which(name, { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` }) ?? name;
}
