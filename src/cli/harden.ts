/**
 * The token in mmn's memory and environment, out of reach of the user's other processes.
 *
 * Every command: no core dump holds it. Writing 0 to /proc/self/coredump_filter leaves
 * every memory mapping (heap, stack, the environment) out of a dump; it costs one small
 * write, and only commands that start no process get it, as a child would inherit it.
 *
 * `mmn run`, which lives as long as the job: the job must not read it from
 * /proc/$PPID/environ into its log, which is uploaded to Mattermost. PR_SET_DUMPABLE 0
 * makes /proc/PID/environ, mem and maps root's and disables core dumps; the command run by
 * mmn is dumpable again after its exec, as usual. Without FFI (an unusual build) the
 * environment is still left out of the command's.
 */
import { fs } from "../base/disk.ts";
import { openLibc } from "../base/libc.ts";

const PR_SET_DUMPABLE = 4;
const CORE_FILTER = "/proc/self/coredump_filter";

export function guardSecrets(options: { startsProcesses: boolean }): void {
  if (process.platform !== "linux") return;
  if (!options.startsProcesses) {
    const bun = (globalThis as { Bun?: typeof Bun }).Bun;
    // Node (the npm package's mmn) has no Bun.write.
    (bun ? bun.write(CORE_FILTER, "0") : fs().then((disk) => disk.writeFile(CORE_FILTER, "0"))).catch(() => {});
    return;
  }
  openLibc({ prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" } })?.prctl(
    PR_SET_DUMPABLE,
    0,
    0,
    0,
    0,
  );
}
