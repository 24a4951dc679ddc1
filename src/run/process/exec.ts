import { constants } from "node:os";
import { openLibc } from "../../base/libc.ts";
import { readSmall } from "../../base/small-file.ts";
import { INHERITED_FDS } from "./fds.ts";
import { INHERITED_IGNORED } from "./procfs.ts";

const SYMBOLS = {
  execve: { args: ["ptr", "ptr", "ptr"], returns: "i32" },
  // The handler as a number: SIG_DFL is 0.
  signal: { args: ["i32", "u64"], returns: "u64" },
  // Variadic in C; an int third argument goes where a fixed one would.
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  sigprocmask: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
} as const;

const SIG_DFL = 0n;
const SIG_IGN = 1n;
const SIG_SETMASK = 2;
const F_SETFD = 2;

/**
 * Replaces this process by the program, as a shell's `exec` would: the open files the job gave
 * mmn and the signals it ignored are handed on, Bun's own are not. Returns only when that
 * failed, with the errno; undefined without FFI.
 */
export function execve(path: string, argv: string[], env: Record<string, string>): number | undefined {
  const c = openLibc(SYMBOLS);
  if (!c) return undefined;
  const { ptr, read } = require("bun:ffi") as typeof import("bun:ffi");
  const strings = [path, ...argv, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].map((s) =>
    Buffer.from(`${s}\0`),
  );
  const table = (from: number, count: number) => {
    const pointers = new BigUint64Array(count + 1);
    for (let i = 0; i < count; i++) pointers[i] = BigInt(ptr(strings[from + i]!));
    return pointers;
  };
  const argvTable = table(1, argv.length);
  const envTable = table(1 + argv.length, strings.length - 1 - argv.length);
  // Bun ignores SIGPIPE and SIGXFSZ for itself; exec would pass that on. The command gets the
  // signals as they came to mmn (ignored only what was ignored then), and none blocked.
  const reset = ownIgnored();
  // Bun made the open files the job was given close-on-exec: exec keeps them, as it would have.
  for (const fd of INHERITED_FDS) c.fcntl(fd, F_SETFD, 0);
  for (const sig of reset) c.signal(sig, SIG_DFL);
  const mask = new Uint8Array(128);
  const old = new Uint8Array(128);
  c.sigprocmask(SIG_SETMASK, ptr(mask), ptr(old));
  c.execve(ptr(strings[0]!), ptr(argvTable), ptr(envTable));
  const location = c.__errno_location();
  const errno = location === null ? undefined : read.i32(location);
  // Still here: exec failed, and Bun goes on as it was.
  c.sigprocmask(SIG_SETMASK, ptr(old), null);
  for (const sig of reset) c.signal(sig, SIG_IGN);
  return errno;
}

/** The signals ignored now that were not when mmn started. */
function ownIgnored(): number[] {
  const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readSmall("/proc/thread-self/status") ?? "")?.[1];
  const bits = BigInt(`0x${mask ?? "0"}`);
  return Object.entries(constants.signals)
    .filter(([name, num]) => (bits >> BigInt(num - 1)) & 1n && !INHERITED_IGNORED.has(name as NodeJS.Signals))
    .map(([, num]) => num);
}
