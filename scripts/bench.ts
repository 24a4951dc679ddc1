/**
 * `bun run bench`: speed and memory of dist/mmn, each next to a baseline measured in the
 * same run on the same machine, against the test server on loopback. Prints ratios.
 *   --quick   fewer repetitions, 256 MiB instead of 1 GiB, a 20 s sleep instead of 60 s
 *   MMN_BIN=path   that binary instead of dist/mmn (one built before a change, for its figures)
 * A send's phases come from MMN_TRACE_PHASES=1 (src/cli/trace.ts), beside the minimal POST's.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startTestServer } from "../test/server/index.ts";
import { benchArray } from "./bench/array.ts";
import { chargedIdle } from "./bench/charged.ts";
import { floorProgram } from "./bench/floor.ts";
import {
  cpuSeconds,
  median,
  medianResident,
  peakRss,
  type Resident,
  type resident,
  sampleResident,
  spawnTimed,
  watchProcess,
} from "./bench/measure.ts";
import { editCost, relayRate } from "./bench/outbox.ts";
import { type Marks, meanPhases, PHASES, tracedMinimal, tracedRun } from "./bench/phases.ts";
import { partsTable, residentParts } from "./bench/resident.ts";
import { tickCost } from "./bench/tick.ts";

const ROOT = join(import.meta.dir, "..");
// Another binary side by side with the same baselines (one built before a change): MMN_BIN=path.
const BUILT = process.env.MMN_BIN ? resolve(process.env.MMN_BIN) : join(ROOT, "dist/mmn");
const quick = process.argv.includes("--quick");
/** Sends take ~10 ms each: even --quick times 21 of each, as 7 left a run's ratio 0.3 from the next. */
const RUNS = quick ? 21 : 41;
const BIG = (quick ? 256 : 1024) * 1024 * 1024;
const SLEEP_S = quick ? 20 : 60;
/** The sleeper's ticks: the idle figures are read across two of them, not only before the first. */
const IDLE_INTERVAL_S = 5;

const dir = mkdtempSync(join(tmpdir(), "mmn-bench-"));
const compileFlags = [
  "--compile",
  "--minify",
  "--bytecode",
  "--format=esm",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
];

async function compile(name: string, source: string): Promise<string> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const out = join(dir, name);
  const proc = Bun.spawn(["bun", "build", entry, ...compileFlags, `--outfile=${out}`], {
    stdout: "ignore",
    stderr: "inherit",
  });
  if ((await proc.exited) !== 0) throw new Error(`cannot compile ${name}`);
  return out;
}

const row = (label: string, value: string) => console.log(`  ${label.padEnd(44)} ${value}`);
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
const mib = (kb: number) => (kb / 1024).toFixed(1);

if (!statSync(BUILT, { throwIfNoEntry: false })) {
  console.error("dist/mmn is missing: run `bun run build` first");
  process.exit(2);
}
// Timed as a file just written, like the baselines compiled beside it: how a binary's pages sit
// in the page cache moves its start (read back from disk, the kernel maps them in small pieces:
// the same bytes ran sends 14.1 against 11.6 ms), and dist/mmn may have been read back since
// it was built (the cold step at the end of this bench drops a binary from the page cache).
const MMN = join(dir, "mmn");
copyFileSync(BUILT, MMN);
chmodSync(MMN, 0o755);
const server = await startTestServer();
const home = mkdtempSync(join(tmpdir(), "mmn-bench-home-"));
writeFileSync(join(home, ".mmnrc"), `url=${server.url}\ntoken=${server.token}\nteam=research\nuser=alice\n`, {
  mode: 0o600,
});
const env = { HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1" };

try {
  console.log(
    `mmn ${readFileSync(join(ROOT, "package.json"), "utf8").match(/"version": "([^"]+)"/)?.[1]} — ${RUNS} runs each, medians, side by side\n`,
  );
  // A long sleep under mmn, measured while the rest runs: its CPU time should be near zero.
  const sleeper = Bun.spawn([MMN, "run", "--interval", String(IDLE_INTERVAL_S), "--", "sleep", String(SLEEP_S)], {
    env,
    stdout: "ignore",
    stderr: "ignore",
  });
  const sleeperWatch = watchProcess(sleeper.pid, 200);
  // Beside it, a compiled Bun program that only waits: what any binary of Bun holds.
  const idleExe = await compile("idle", "setTimeout(() => {}, 3_600_000);");
  const idleBun = Bun.spawn([idleExe], { env, stdout: "ignore", stderr: "ignore" });
  // And one doing only what mmn run must: the floor Bun's parts set.
  const floorExe = await compile("floor", floorProgram(`${server.url}/api/v4/posts`, SLEEP_S));
  const floor = Bun.spawn([floorExe], { env: { ...env, T: server.token }, stdout: "ignore", stderr: "ignore" });
  // All settled: mmn's status post is out and the start's memory given back (2 s after the start).
  await Bun.sleep(3000);
  let idleMem: Record<"mmn" | "bun" | "floor", ReturnType<typeof resident>>;
  let tickHigh: ReturnType<typeof resident>;
  let idleParts: ReturnType<typeof residentParts>[];
  try {
    idleParts = [[sleeper.pid, MMN] as const, [floor.pid, floorExe] as const, [idleBun.pid, idleExe] as const].map(
      ([pid, exe]) => residentParts(pid, exe),
    );
    // Across two of mmn's ticks: what it holds most of the time, and what a tick brings back for a while.
    const samples = await sampleResident([sleeper.pid, idleBun.pid, floor.pid], 2 * IDLE_INTERVAL_S * 1000, 100);
    const [mmnSamples, bunSamples, floorSamples] = samples as [Resident[], Resident[], Resident[]];
    idleMem = { mmn: medianResident(mmnSamples), bun: medianResident(bunSamples), floor: medianResident(floorSamples) };
    tickHigh = mmnSamples.reduce((high, sample) => (sample.rssKb > high.rssKb ? sample : high));
  } finally {
    idleBun.kill();
    floor.kill();
  }

  // 1. One message to a user whose DM channel is cached: one POST.
  await spawnTimed([MMN, "send", "warm-up", "-u", "alice"], env);
  const dm = server.dmChannelWith(server.users.alice.id)!.id;
  const body = JSON.stringify({ channel_id: dm, message: "bench" });
  const minimal = await compile(
    "minimal",
    `const r = await fetch(${JSON.stringify(`${server.url}/api/v4/posts`)}, { method: "POST", headers: { authorization: "Bearer " + process.env.T, "content-type": "application/json" }, body: ${JSON.stringify(body)} });
     if (r.status !== 201) process.exit(1);`,
  );
  const hello = await compile("hello", `console.log("hello");`);
  const times = {
    mmn: [] as number[],
    minimal: [] as number[],
    curl: [] as number[],
    version: [] as number[],
    hello: [] as number[],
  };
  const curl = [
    "curl",
    "-sf",
    "-o",
    "/dev/null",
    "-X",
    "POST",
    "-H",
    `Authorization: Bearer ${server.token}`,
    "-H",
    "Content-Type: application/json",
    "-d",
    body,
    `${server.url}/api/v4/posts`,
  ];
  for (let i = 0; i < RUNS; i++) {
    times.mmn.push(await spawnTimed([MMN, "send", "bench", "-u", "alice"], env));
    times.minimal.push(await spawnTimed([minimal], { ...env, T: server.token }));
    times.curl.push(await spawnTimed(curl, env));
    times.version.push(await spawnTimed([MMN, "--version"], env));
    times.hello.push(await spawnTimed([hello], env));
  }
  const sends = server.requests.filter((r) => r.path === "/api/v4/posts").length;
  console.log("send to a cached user (exactly one HTTP request)");
  row("mmn send", ms(median(times.mmn)));
  row("minimal compiled Bun program, same POST", ms(median(times.minimal)));
  row("curl, same POST", ms(median(times.curl)));
  row("ratio mmn / minimal (target <= 1.5)", (median(times.mmn) / median(times.minimal)).toFixed(2));
  row("ratio mmn / curl", (median(times.mmn) / median(times.curl)).toFixed(2));
  row("posts the server received", String(sends));
  // The same sends with their phases marked (MMN_TRACE_PHASES=1), apart from the timed ones.
  const tracedMin = await compile("minimal-traced", tracedMinimal(`${server.url}/api/v4/posts`, body));
  const traced = { mmn: [] as Marks[], minimal: [] as Marks[] };
  for (let i = 0; i < RUNS; i++) {
    const marks = await tracedRun([MMN, "send", "bench", "-u", "alice"], env);
    if (!marks) break;
    traced.mmn.push(marks);
    traced.minimal.push((await tracedRun([tracedMin], { ...env, T: server.token }))!);
  }
  if (traced.mmn.length) {
    const phases = { mmn: meanPhases(traced.mmn), minimal: meanPhases(traced.minimal) };
    const cell = (v: number | undefined) => (v === undefined ? "—" : v.toFixed(2)).padStart(12);
    console.log(`where a send's time goes (ms, mean of ${RUNS} traced runs)${" ".repeat(6)}mmn send  minimal POST`);
    for (const [i, [, label]] of PHASES.entries())
      console.log(`    ${label.padEnd(52)}${cell(phases.mmn[i])}${cell(phases.minimal[i])}`);
    const total = (values: (number | undefined)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0);
    console.log(`    ${"total".padEnd(52)}${cell(total(phases.mmn))}${cell(total(phases.minimal))}`);
  } else console.log("where a send's time goes: this binary marks no phases (MMN_TRACE_PHASES)");
  console.log("start-up");
  row("mmn --version", ms(median(times.version)));
  row("compiled hello world", ms(median(times.hello)));
  row("ratio", (median(times.version) / median(times.hello)).toFixed(2));
  row("binary size", `${(statSync(MMN).size / 1048576).toFixed(1)} MiB`);

  // 2. Output through the wrapper, to a pipe, against cat | tee.
  const big = join(dir, "big.bin");
  await Bun.spawn(["bash", "-c", `head -c ${BIG} /dev/urandom | base64 -w 120 | head -c ${BIG} > ${big}`]).exited;
  const log = join(dir, "tee.log");
  // Interleaved repetitions: disk and page cache treat both alike. The ratio is taken pair by pair,
  // as tee's own speed swings (195-578 MiB/s here, with the writeback of its 256 MiB log).
  const teeTimes: number[] = [];
  const wrapTimes: number[] = [];
  let peakKb = 0;
  for (let i = 0; i < (quick ? 3 : 5); i++) {
    teeTimes.push(await spawnTimed(["bash", "-c", `cat ${big} | tee ${log} | cat > /dev/null`], env));
    const wrapped = Bun.spawn(
      ["bash", "-c", `${MMN} run --log ${join(dir, "mmn.log")} -- cat ${big} | cat > /dev/null`],
      { env, stdout: "ignore", stderr: "ignore" },
    );
    const started = performance.now();
    const mmnPid = await childPid(wrapped.pid, MMN);
    const watch = mmnPid ? watchProcess(mmnPid, 20) : undefined;
    await wrapped.exited;
    wrapTimes.push((performance.now() - started) / 1000);
    if (watch) peakKb = Math.max(peakKb, peakRss(await watch));
  }
  const teeTime = median(teeTimes);
  const wrapTime = median(wrapTimes);
  const gib = BIG / 1024 ** 3;
  console.log(`${(BIG / 1048576).toFixed(0)} MiB of output, to a pipe`);
  row("cat FILE | tee LOG", `${ms(teeTime)} (${((gib / teeTime) * 1024).toFixed(0)} MiB/s)`);
  row("mmn run -- cat FILE", `${ms(wrapTime)} (${((gib / wrapTime) * 1024).toFixed(0)} MiB/s)`);
  const ratios = teeTimes.map((tee, i) => tee / wrapTimes[i]!);
  row(
    "throughput mmn / tee (target >= 0.8)",
    `${median(ratios).toFixed(2)} (pair by pair: ${ratios.map((r) => r.toFixed(2)).join(", ")})`,
  );
  row("peak RSS of mmn (target <= 64 MiB)", peakKb ? `${mib(peakKb)} MiB` : "n/a");
  row("ratio to the idle compiled Bun program", peakKb ? (peakKb / idleMem.bun.rssKb).toFixed(2) : "n/a");
  console.log(`memory of mmn run around a sleep, against an idle compiled Bun program`);
  console.log(
    `  (medians of ${2 * IDLE_INTERVAL_S} s sampled every 0.1 s, across two of mmn's ticks at --interval ${IDLE_INTERVAL_S})`,
  );
  row("mmn run, idle (RSS; anonymous)", `${mib(idleMem.mmn.rssKb)} MiB; ${mib(idleMem.mmn.anonKb)} MiB`);
  row("mmn run, highest, after a tick (RSS; anonymous)", `${mib(tickHigh.rssKb)} MiB; ${mib(tickHigh.anonKb)} MiB`);
  row("idle compiled Bun program (RSS; anonymous)", `${mib(idleMem.bun.rssKb)} MiB; ${mib(idleMem.bun.anonKb)} MiB`);
  row("ratio of RSS (target <= 1.3)", (idleMem.mmn.rssKb / idleMem.bun.rssKb).toFixed(2));
  row("ratio of the highest, after a tick", (tickHigh.rssKb / idleMem.bun.rssKb).toFixed(2));
  row(
    "only what run must, compiled (RSS; anonymous)",
    `${mib(idleMem.floor.rssKb)} MiB; ${mib(idleMem.floor.anonKb)} MiB`,
  );
  row("its ratio to the idle program: the floor", (idleMem.floor.rssKb / idleMem.bun.rssKb).toFixed(2));
  console.log(`  where the idle RSS lies (MiB)${" ".repeat(33)}mmn run  run must  idle Bun`);
  for (const line of partsTable(idleParts)) console.log(line);

  // 3. SIGTERM to the final message at the server.
  server.requests.length = 0;
  const startedAt = Date.now();
  const victim = Bun.spawn([MMN, "run", "--", "sleep", "30"], { env, stdout: "ignore", stderr: "ignore" });
  while (!server.requests.some((r) => r.path === "/api/v4/posts")) await Bun.sleep(20);
  await Bun.sleep(200);
  const killedAt = Date.now();
  victim.kill("SIGTERM");
  await victim.exited;
  // The victim's own thread: the sleeper above may end about now, and its last reply is no answer to this SIGTERM.
  const roots = new Set(
    [...server.posts.values()].filter((p) => !p.root_id && p.create_at >= startedAt).map((p) => p.id),
  );
  const reply = server.requests.find(
    (r) => r.path === "/api/v4/posts" && roots.has((r.body as { root_id?: string } | undefined)?.root_id ?? ""),
  );
  console.log("SIGTERM (scancel, time limit)");
  row("SIGTERM → final reply at the server (target < 3 s)", reply ? ms((reply.at - killedAt) / 1000) : "not received");
  row("exit code (128 + 15)", String(victim.exitCode));

  // 4. A job array: one board, however many tasks.
  const array = await benchArray(server, MMN, env, quick ? 200 : 1000, 16);
  console.log(`a job array of ${array.tasks} tasks, 16 at a time`);
  row("requests per task (target: a few)", array.requestsPerTask.toFixed(2));
  row(
    "board edits per minute (target: ~ one per interval, 5 s)",
    `${array.editsPerMinute.toFixed(1)} (${array.edits} edits)`,
  );
  row("first start to the final board", `${array.seconds.toFixed(1)} s`);
  row("root posts (target: 1)", String(array.roots));

  // 5. What the job's readings add to each tick.
  const tick = await tickCost(quick ? 200 : 1000);
  console.log(
    `the job's readings at each tick (${tick.processes} processes${tick.cgroup ? ", a memory-limited cgroup" : ""})`,
  );
  row(
    "a tick with the job's readings (target <= 2 ms)",
    `${tick.medianMs.toFixed(3)} ms (p99 ${tick.p99Ms.toFixed(3)} ms)`,
  );

  // 6. The outbox: what it adds to a live edit, and how fast the relay empties it.
  const edits = await editCost(server, quick ? 101 : 401, 1000);
  console.log("a live edit (one PUT), in the process, against the test server");
  row("direct", `${edits.direct.toFixed(3)} ms`);
  row("through the outbox, empty (mmn run's client)", `${edits.outbox.toFixed(3)} ms`);
  row("ratio outbox / direct", (edits.outbox / edits.direct).toFixed(2));
  row(`through the outbox, ${edits.busyEntries} others' entries waiting`, `${edits.outboxBusy.toFixed(3)} ms`);
  row("ratio busy outbox / direct", (edits.outboxBusy / edits.direct).toFixed(2));
  const kept = quick ? 200 : 1000;
  const free = await relayRate(MMN, kept);
  console.log(`mmn relay --once over ${kept} kept messages (${kept / 10} posts, 9 replies each, two hosts)`);
  row("no rate limit", `${(free.messages / free.seconds).toFixed(0)} messages/s (${free.seconds.toFixed(1)} s)`);
  const limit = { perSecond: 10, burst: 100 };
  const limited = await relayRate(MMN, quick ? 200 : 400, limit);
  const ceiling = limit.perSecond + (limit.burst + 1) / limited.seconds;
  row(
    `rate limit ${limit.perSecond}/s, burst ${limit.burst} (${limited.messages} messages)`,
    `${(limited.messages / limited.seconds).toFixed(1)} messages/s (${limited.seconds.toFixed(1)} s, ${limited.throttled} answers 429)`,
  );
  row("ratio to what the limit lets through", (limited.messages / limited.seconds / ceiling).toFixed(2));

  const idle = await sleeperWatch;
  await sleeper.exited;
  // Last: the cold case drops the binaries from the page cache, which would slow what comes after.
  const runArgv = [MMN, "run", "--interval", "30", "--", "sleep", String(SLEEP_S)];
  const charges = [];
  for (const cold of [false, true])
    charges.push({
      cold,
      mmn: await chargedIdle(runArgv, env, { settleMs: 3000, cold }),
      bun: await chargedIdle([idleExe], env, { settleMs: 3000, cold }),
    });
  console.log("what a memory cgroup holding only the idle process is charged (total: anonymous + page cache)");
  for (const { cold, mmn, bun } of charges) {
    const cell = (c: typeof mmn) =>
      c ? `${mib(c.totalKb)} (${mib(c.anonKb)} + ${mib(c.fileKb)}) MiB` : "n/a (root and a memory cgroup)";
    row(`mmn run -- sleep, binary ${cold ? "not cached (cold)" : "already cached"}`, cell(mmn));
    row(`idle compiled Bun program, ${cold ? "cold" : "cached"}`, cell(bun));
  }
  console.log(`${SLEEP_S} s sleep under mmn run`);
  row("CPU time of mmn (target: near zero)", ms(cpuSeconds(idle)));
} finally {
  await server.close();
}

/** The mmn process under a bash pipeline. */
async function childPid(parent: number, exe: string): Promise<number | undefined> {
  for (let i = 0; i < 200; i++) {
    const out = await new Response(Bun.spawn(["pgrep", "-P", String(parent)]).stdout).text();
    for (const pid of out.split("\n").filter(Boolean)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(exe)) return Number(pid);
      } catch {
        // Gone between pgrep and the read: not ours.
      }
    }
    await Bun.sleep(5);
  }
  return undefined;
}
