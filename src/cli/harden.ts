/**
 * The token in mmn's memory and environment, out of reach of the user's other processes:
 * a job wrapped by `mmn run` that reads /proc/$PPID/environ (or a crash handler that dumps
 * core) would otherwise put it into its log, which is uploaded to Mattermost.
 * PR_SET_DUMPABLE 0 makes /proc/PID/environ, mem and maps root's and disables core dumps;
 * the command run by mmn is dumpable again after its exec, as usual.
 */
const PR_SET_DUMPABLE = 4;

export function guardSecrets(): void {
  if (process.platform !== "linux") return;
  try {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const prctl = { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 } as const;
    for (const name of ["libc.so.6", "libc.so"]) {
      try {
        const libc = dlopen(name, { prctl });
        libc.symbols.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        libc.close();
        return;
      } catch {
        // musl names it libc.so: try the next.
      }
    }
  } catch {
    // No FFI (an unusual build): the environment is still left out of the command's.
  }
}
