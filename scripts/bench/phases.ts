/**
 * Where a send's time goes: runs made with MMN_TRACE_PHASES=1 (src/cli/trace.ts), whose marks
 * are lined up with the moment the bench started the process and the moment it saw it end.
 * The minimal POST, compiled with the same marks, is traced alike, side by side.
 */
/** The marks of a traced run, in ms from the bench's start of the process. */
export type Marks = Record<string, number>;

/** Phases in order: the mark that ends each, and what it is. */
export const PHASES: [mark: string, label: string][] = [
  ["origin", "start of the process to Bun's time origin"],
  ["main", "to main (the runtime, the main chunk)"],
  ["loaded", "loading the command's chunk"],
  ["config", "reading the configuration"],
  ["client", "building the client"],
  ["request", "to the request"],
  ["answer", "the server's answer"],
  ["delivered", "the answer read and checked"],
  ["printed", "printing the result"],
  ["exit", "exit"],
];

/** Runs argv once with the marks on; undefined from a binary that prints none (one built before them). */
export async function tracedRun(argv: string[], env: Record<string, string>): Promise<Marks | undefined> {
  const started = performance.timeOrigin + performance.now();
  const proc = Bun.spawn(argv, { env: { ...env, MMN_TRACE_PHASES: "1" }, stdout: "ignore", stderr: "pipe" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  const ended = performance.timeOrigin + performance.now();
  const line = /^mmn-phases (.*)$/m.exec(stderr)?.[1];
  if (code !== 0) throw new Error(`${argv[0]} exited ${code}: ${stderr}`);
  if (!line) return undefined;
  const raw = Object.fromEntries(line.split(" ").map((pair) => pair.split("=") as [string, string]));
  const origin = Number(raw.origin) - started;
  const marks: Marks = { origin };
  for (const [name, at] of Object.entries(raw)) if (name !== "origin") marks[name] = origin + Number(at);
  marks.exit = ended - started;
  return marks;
}

/** Each phase's mean length in ms over the runs; a phase a program does not mark is undefined. */
export function meanPhases(runs: Marks[]): (number | undefined)[] {
  return PHASES.map(([mark], i) => {
    if (runs.some((run) => run[mark] === undefined)) return undefined;
    const lengths = runs.map((run) => run[mark]! - previous(run, i));
    return lengths.reduce((a, b) => a + b, 0) / lengths.length;
  });
}

/** Where the phase before `i` ended: the last earlier mark the run has. */
function previous(run: Marks, i: number): number {
  for (let j = i - 1; j >= 0; j--) {
    const at = run[PHASES[j]![0]];
    if (at !== undefined) return at;
  }
  return 0;
}

/** The minimal POST with the same marks as mmn's, for the side-by-side breakdown. */
export function tracedMinimal(url: string, body: string): string {
  return `const marks = [];
const mark = (name) => marks.push(name + "=" + performance.now().toFixed(3));
mark("main");
mark("request");
const r = await fetch(${JSON.stringify(url)}, { method: "POST", headers: { authorization: "Bearer " + process.env.T, "content-type": "application/json" }, body: ${JSON.stringify(body)} });
mark("answer");
if (r.status !== 201) process.exit(1);
await r.arrayBuffer();
mark("delivered");
process.on("exit", () => require("node:fs").writeSync(2, "mmn-phases origin=" + performance.timeOrigin.toFixed(3) + " " + marks.join(" ") + "\\n"));`;
}
