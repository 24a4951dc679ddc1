/**
 * MMN_TRACE_PHASES=1: where a command's time goes, for `bun run bench`. The end of each phase
 * is kept as performance.now() (monotonic, in ms from the process's time origin), and all are
 * written to stderr at exit in one line, `mmn-phases origin=MS main=MS loaded=MS …`, the
 * origin in ms since the epoch so the bench lines them up with the moment it started mmn.
 * The request and its answer are marked around fetch, which the transport looks up at each call.
 * Unset, it costs one look at the environment.
 */
const marks: string[] | undefined = process.env.MMN_TRACE_PHASES === "1" ? [] : undefined;

export function phase(name: string): void {
  marks?.push(`${name}=${performance.now().toFixed(3)}`);
}

if (marks) {
  const fetch = globalThis.fetch;
  const traced = async (...args: Parameters<typeof fetch>) => {
    phase("request");
    const response = await fetch(...args);
    phase("answer");
    return response;
  };
  globalThis.fetch = Object.assign(traced, fetch);
  process.on("exit", () => {
    const { writeSync } = require("node:fs") as typeof import("node:fs");
    writeSync(2, `mmn-phases origin=${performance.timeOrigin.toFixed(3)} ${marks.join(" ")}\n`);
  });
}
