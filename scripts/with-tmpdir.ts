/**
 * `bun scripts/with-tmpdir.ts CMD…`: runs CMD with TMPDIR set to a directory of its own, made
 * for the run and removed after it, and exits with CMD's code. The suites make hundreds of
 * sandboxes a run (homes, working directories, logs) and some cannot be removed by the test
 * that made them (another user's files, a process still writing): /tmp here held 150,000 of
 * them after a few sessions, and every `bun` a test starts read all of /tmp's entries while
 * resolving its imports (the lock test's 100 processes: 1.7 s with a small /tmp, 8.6 s then).
 * Sticky and writable by all, as /tmp is: the neighbour tests' second user works in it too.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error("usage: bun scripts/with-tmpdir.ts CMD [ARG…]");
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "mmn-tests-"));
chmodSync(dir, 0o1777);
const child = Bun.spawn(command, { env: { ...process.env, TMPDIR: dir }, stdio: ["inherit", "inherit", "inherit"] });
// Ctrl-C reaches the command from the terminal; the directory goes once it has ended.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
const code = await child.exited;
try {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
} catch (error) {
  // A process the command left behind may still write there: said, and the command's code kept.
  console.error(`could not remove ${dir}: ${(error as Error).message}`);
}
process.exit(code);
