import { constants } from "node:os";
import { resolveCommand } from "./command.ts";
import { execve } from "./exec.ts";
import { extraStdio, INHERITED_FDS } from "./fds.ts";

/**
 * The command without mmn, when mmn cannot report under the job's limits: mmn becomes the
 * command (execve), as `exec cmd` in the job script would, so that it runs with the limits, open
 * files, signals and exit code it would have had without mmn. Where exec cannot be had (no FFI),
 * it runs as a child and its exit code is ours. Returns only in that case, or when the command
 * cannot be started at all (126, 127, as a shell).
 */
export async function runPlain(command: string[], warn: (message: string) => void): Promise<number> {
  const env: Record<string, string> = {};
  // As for a reported run: the token stays out of the job's environment.
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && key !== "MMN_TOKEN") env[key] = value;
  const name = command[0] ?? "";
  const found = resolveCommand(name, env.PATH, process.cwd());
  if ("error" in found) {
    warn(found.error);
    return found.code;
  }
  const errno = execve(found.path, command, env);
  // No "#!" line: sh runs it, as execvp() and shells do.
  if (errno === constants.errno.ENOEXEC) execve("/bin/sh", ["sh", found.path, ...command.slice(1)], env);
  return spawned(found.path, command, env, warn);
}

/** Signals a scheduler sends mmn alone (`scancel -b`, Slurm's --signal=B:): the command's. */
const PASSED_ON = ["SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2"] as const;

/**
 * Without exec (no FFI: Bun has none without its JIT, under `ulimit -v`): a child, with the open
 * files the job gave mmn where they can be placed, else with stdin, stdout and stderr alone.
 */
async function spawned(
  path: string,
  argv: string[],
  env: Record<string, string>,
  warn: (message: string) => void,
): Promise<number> {
  const spawn = (extra: Array<number | "ignore">, args = [path, ...argv.slice(1)]) =>
    Bun.spawn(args, { argv0: argv[0], env, stdio: ["inherit", "inherit", "inherit", ...extra] });
  let proc: ReturnType<typeof spawn>;
  try {
    try {
      proc = spawn(extraStdio());
    } catch (error) {
      // No "#!" line: sh runs it, as execvp() and shells do.
      if ((error as NodeJS.ErrnoException).code === "ENOEXEC")
        proc = spawn(extraStdio(), ["/bin/sh", path, ...argv.slice(1)]);
      else if (INHERITED_FDS.length === 0) throw error;
      else {
        warn(
          `cannot hand on open files ${INHERITED_FDS.join(", ")} (${(error as Error).message}): the command runs without them`,
        );
        proc = spawn([]);
      }
    }
  } catch (error) {
    warn(`cannot run ${argv[0]}: ${(error as Error).message}`);
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? 127 : 126;
  }
  for (const sig of PASSED_ON) process.on(sig, () => proc.kill(sig));
  await proc.exited;
  const sig = proc.signalCode;
  return proc.exitCode ?? 128 + (sig ? (constants.signals[sig as NodeJS.Signals] ?? 0) : 0);
}
