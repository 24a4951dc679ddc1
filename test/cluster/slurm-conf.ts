// slurm.conf for a private single-node cluster: everything in one directory, nothing shared
// with a Slurm the machine may run, and timers short enough for tests.

export type Proctrack = "cgroup" | "linuxproc";

export interface ConfOptions {
  dir: string;
  /** Unique per cluster: two suites on one machine keep apart (cgroup directories are named after it). */
  node: string;
  proctrack: Proctrack;
  /** The short host name: slurmctld refuses to run unless SlurmctldHost names this machine. */
  host: string;
  ctldPort: number;
  slurmdPort: number;
  mungeSocket: string;
  /** Seconds between SIGTERM and SIGKILL at scancel and the time limit. */
  killWait: number;
  /** The program slurmctld runs for --mail-type's events; none by default. */
  mailProg?: string | undefined;
}

export const PARTITION = "mmn";

export function slurmConf(o: ConfOptions): string {
  const lines = [
    "ClusterName=mmntest",
    `SlurmctldHost=${o.host}(127.0.0.1)`,
    `SlurmctldPort=${o.ctldPort}`,
    `SlurmdPort=${o.slurmdPort}`,
    "SlurmUser=root",
    "SlurmdUser=root",
    "AuthType=auth/munge",
    "CredType=cred/munge",
    `AuthInfo=socket=${o.mungeSocket}`,
    `StateSaveLocation=${o.dir}/state`,
    `SlurmdSpoolDir=${o.dir}/spool`,
    `SlurmctldPidFile=${o.dir}/slurmctld.pid`,
    `SlurmdPidFile=${o.dir}/slurmd.pid`,
    `SlurmctldLogFile=${o.dir}/slurmctld.log`,
    `SlurmdLogFile=${o.dir}/slurmd.log`,
    `MailProg=${o.mailProg ?? "/bin/true"}`,
    `ProctrackType=proctrack/${o.proctrack}`,
    o.proctrack === "cgroup" ? "TaskPlugin=task/cgroup" : "TaskPlugin=task/none",
    "JobAcctGatherType=jobacct_gather/none",
    // No slurmdbd: finished jobs are read with scontrol for MinJobAge seconds.
    "AccountingStorageType=accounting_storage/none",
    "JobCompType=jobcomp/none",
    "MpiDefault=none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_Core_Memory",
    "DefMemPerCPU=1000",
    "ReturnToService=2",
    `KillWait=${o.killWait}`,
    "OverTimeLimit=0",
    "InactiveLimit=0",
    "MinJobAge=600",
    "SchedulerParameters=sched_min_interval=0",
    // The node has the CPUs written here whatever the machine has: an array of 24 and a
    // two-task step run at once on a 2-core runner.
    "SlurmdParameters=config_overrides",
    `NodeName=${o.node} NodeHostname=${o.host} NodeAddr=127.0.0.1 CPUs=4 RealMemory=100000 State=UNKNOWN`,
    `PartitionName=${PARTITION} Nodes=${o.node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:16`,
  ];
  return `${lines.join("\n")}\n`;
}

/** cgroup.conf, read from beside slurm.conf: the v1 hierarchies as mounted, none mounted by Slurm. */
export function cgroupConf(): string {
  return "CgroupPlugin=cgroup/v1\nCgroupMountpoint=/sys/fs/cgroup\nCgroupAutomount=no\nConstrainRAMSpace=yes\n";
}
