/**
 * The source of a compiled program that does only what `mmn run` must and nothing of mmn:
 * prctl through bun:ffi (the token out of the job's reach), a log file through node:fs, the
 * host's name, one POST, the command with its output piped and copied, the command's /proc
 * read at every tick, signals passed on. Its idle RSS beside mmn run's is the floor that Bun's
 * parts alone set, whatever mmn's own code does.
 */
export function floorProgram(postsUrl: string, sleepSeconds: number): string {
  return `
import { closeSync, fstatSync, openSync, readFileSync, writeSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dlopen } from "bun:ffi";
dlopen("libc.so.6", { prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" } }).symbols.prctl(4, 0, 0, 0, 0);
const log = openSync(tmpdir() + "/mmn-bench-floor-" + process.pid + ".log", "w");
fstatSync(log);
const answer = await fetch(${JSON.stringify(postsUrl)}, {
  method: "POST",
  headers: { authorization: "Bearer " + process.env.T, "content-type": "application/json" },
  body: JSON.stringify({ channel_id: hostname(), message: "running" }),
});
await answer.text();
const child = Bun.spawn(["sleep", "${sleepSeconds}"], { stdin: "inherit", stdout: "pipe", stderr: "pipe" });
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
const copy = async (from: ReadableStream<Uint8Array>, to: number) => {
  for await (const chunk of from) { writeSync(log, chunk); writeSync(to, chunk); }
};
const tick = setInterval(() => readFileSync("/proc/" + child.pid + "/stat", "utf8"), 30_000);
await Promise.all([copy(child.stdout, 1), copy(child.stderr, 2), child.exited]);
clearInterval(tick);
closeSync(log);
`;
}
