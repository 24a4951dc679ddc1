// The shared set-up of a cluster test file: one Slurm and one test server for the file,
// or one line saying why the file is skipped.
import { afterAll, beforeAll } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../server/index.ts";
import { DIST } from "./job.ts";
import { clusterUnavailable } from "./prerequisites.ts";
import { type Cluster, chooseProctrack, startCluster } from "./slurm.ts";
import type { Proctrack } from "./slurm-conf.ts";

/** Seconds from Slurm's SIGTERM to its SIGKILL: the time mmn has for its final message. */
export const KILL_WAIT = 5;

export const PROCTRACK = chooseProctrack();

export const skipReason = clusterUnavailable();
if (skipReason) console.log(`cluster tests skipped: ${skipReason}`);

/** Starts both before the file's tests (unless skipped) and stops them after; `use` gets them. */
export function useCluster(
  use: (cluster: Cluster, server: TestServer) => void,
  proctrack: Proctrack = PROCTRACK,
  mailProg?: string,
  users?: ReadonlyArray<{ name: string; uid: number }>,
): void {
  if (skipReason) return;
  let cluster: Cluster | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    if (!existsSync(join(DIST, "mmn")))
      throw new Error("dist/mmn is missing: run `bun run build` first (bun run test:cluster does)");
    [cluster, server] = await Promise.all([
      startCluster({ killWait: KILL_WAIT, proctrack, mailProg, users }),
      startTestServer(),
    ]);
    use(cluster, server);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    await server?.close();
  }, 60_000);
}
