// Slurm's MailProg for a whole site on the real Slurm: slurm.conf names a two-line script that
// runs `mmn slurm-mail "$@"` with the site's MMN_CONFIG (timed here by a third line); jobs
// submitted with --mail-type=ALL for two people reach each one's own Mattermost user through
// the site's `mmn relay`, one message per job.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";
import { skipReason, useCluster } from "./cluster.ts";
import { DIST, jobBox } from "./job.ts";
import type { Cluster } from "./slurm.ts";

const site = mkdtempSync(join(tmpdir(), "mmn-site-"));
const mailProg = join(site, "mmn-mail");
const config = join(site, "site.rc");
const spool = join(site, "spool");
const times = join(site, "times");
writeFileSync(
  mailProg,
  `#!/bin/sh\nstart=$(date +%s%N)\nMMN_CONFIG=${config} ${DIST}/mmn slurm-mail "$@"\necho $(( $(date +%s%N) - start )) >> ${times}\n`,
);
chmodSync(mailProg, 0o755);

let cluster: Cluster;
let server: TestServer;
useCluster(
  (c, s) => {
    cluster = c;
    server = s;
  },
  undefined,
  mailProg,
);

const lines = (path: string) => {
  try {
    return readFileSync(path, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

describe.skipIf(Boolean(skipReason))("MailProg=mmn slurm-mail", () => {
  test("--mail-type=ALL for two people: each reaches their own Mattermost user, one message per job; each call timed", async () => {
    const ann = jobBox(server, cluster, "mailann");
    const ben = jobBox(server, cluster, "mailben");
    const map = join(site, "mail-map");
    writeFileSync(map, "slurmben mailben\n", { mode: 0o644 });
    writeFileSync(
      config,
      `url=${server.url}\ntoken=${server.token}\nteam=research\nspool=${spool}\nmail-map=${map}\n`,
      {
        mode: 0o600,
      },
    );
    const a = await ann.submit("exit 0", ["--mail-type=ALL", "--mail-user=mailann"]);
    const b = await ben.submit("exit 3", ["--mail-type=ALL", "--mail-user=slurmben"]);
    await cluster.waitForState(a, ["COMPLETED"], 60_000);
    await cluster.waitForState(b, ["FAILED"], 60_000);
    // BEGIN and END (FAIL) of each: slurmctld calls MailProg once per event.
    await waitFor(() => lines(times).length >= 4, 30_000, "MailProg's four calls");
    expect(readdirSync(spool)).toHaveLength(4);
    const relay = Bun.spawn([join(DIST, "mmn"), "relay", "--once"], {
      env: { ...cluster.env, MMN_CONFIG: config, HOME: site, NO_COLOR: "1" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(relay.stdout).text(),
      new Response(relay.stderr).text(),
      relay.exited,
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain(`mail: job ${a} began → @mailann`);
    expect(stdout).toContain(`mail: job ${b} failed → @mailben`);
    for (const [box, id, end] of [
      [ann, a, `✅ **mailann ${a}** COMPLETED`],
      [ben, b, `❌ **mailben ${b}** FAILED with exit code 3`],
    ] as const) {
      const [thread, ...others] = box.threads();
      expect(others).toEqual([]);
      expect(thread!.status.message).toStartWith(end);
      expect(thread!.replies.map((p) => p.message)).toEqual([thread!.status.message]);
      expect(thread!.status.message).toContain(id);
    }
    expect(readdirSync(spool)).toEqual([]);
    const ms = lines(times)
      .map((ns) => Number(ns) / 1e6)
      .sort((x, y) => x - y);
    console.log(`MailProg calls (script and mmn slurm-mail), ms: ${ms.map((m) => m.toFixed(1)).join(", ")}`);
    expect(ms.at(-1)!).toBeLessThan(1000);
  }, 120_000);
});
