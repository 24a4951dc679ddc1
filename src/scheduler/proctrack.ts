/**
 * Whether Slurm signals every process of a job at a scancel or its time limit, or only the
 * batch step's main one: its ProctrackType, from `scontrol show config` (no slurm.conf needed,
 * the controller says), asked only when it matters (mmn below the batch script), bounded in
 * time, and kept a day beside the hooks so that an array's thousand tasks ask once.
 */
import { writeFileAtomic } from "../base/atomic.ts";
import { fs, homeDir, joinPath, parentDir } from "../base/disk.ts";
import { readStateFile } from "../base/read-file.ts";
import { ask } from "./ask.ts";

type Env = Readonly<Record<string, string | undefined>>;

const ASK_MS = 2000;
const KEEP_MS = 24 * 3600_000;

/**
 * True under proctrack/linuxproc or pgid (every process of the job hears Slurm's SIGTERM),
 * false under proctrack/cgroup (the main process alone), undefined when Slurm did not say.
 */
export async function signalsEveryProcess(env: Env = process.env, home = homeDir()): Promise<boolean | undefined> {
  const cluster = (env.SLURM_CLUSTER_NAME ?? "").replace(/[^\w.-]/g, "_").slice(0, 64) || "default";
  const cache = joinPath(env.XDG_STATE_HOME || joinPath(home, ".local", "state"), "mmn", `proctrack-${cluster}`);
  let type = await readStateFile(cache, 64)
    .then(({ text, facts }) => (Date.now() - facts.mtimeMs < KEEP_MS ? text.trim() : undefined))
    .catch(() => undefined);
  if (!type) {
    const config = await ask(["scontrol", "show", "config"], ASK_MS);
    type = config && /^ProctrackType\s*=\s*proctrack\/(\w+)\s*$/m.exec(config)?.[1];
    if (!type) return undefined;
    await (await fs()).mkdir(parentDir(cache), { recursive: true, mode: 0o700 }).catch(() => {});
    await writeFileAtomic(cache, type).catch(() => {});
  }
  if (type === "cgroup") return false;
  return type === "linuxproc" || type === "pgid" ? true : undefined;
}
