// Slurm's MailProg for a whole site on the real Slurm: slurm.conf names a two-line script that
// runs `mmn slurm-mail "$@"` with the site's MMN_CONFIG (timed here by a third line); jobs
// submitted with --mail-type=ALL by two users (uids 4242 and 4243, known to this cluster alone)
// reach each one's own Mattermost user through the site's `mmn relay`, one message per job: one
// by the same name, one through the mapping file.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";
import { skipReason, useCluster } from "./cluster.ts";
import { DIST } from "./job.ts";
import type { Cluster } from "./slurm.ts";

const site = mkdtempSync(join(tmpdir(), "mmn-site-"));
const mailProg = join(site, "mmn-mail");
const config = join(site, "site.rc");
const spool = join(site, "spool");
const times = join(site, "times");
writeFileSync(
  mailProg,
  // The two lines an administrator writes, between two readings of bash's clock (no process started for them).
  `#!/bin/bash\nstart=$EPOCHREALTIME\nMMN_CONFIG=${config} ${DIST}/mmn slurm-mail "$@"\necho "$start $EPOCHREALTIME" >> ${times}\n`,
);
chmodSync(mailProg, 0o755);

const people = new Map<string, string>();
let cluster: Cluster;
let server: TestServer;
useCluster(
  (c, s) => {
    cluster = c;
    server = s;
  },
  undefined,
  mailProg,
  [
    { name: "mmnann", uid: 4242 },
    { name: "mmnben", uid: 4243 },
  ],
);

const lines = (path: string) => {
  try {
    return readFileSync(path, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

/** `mmn relay --once` as the site's service user (here root, Slurm's SlurmUser) with the site's MMN_CONFIG. */
async function siteRelay() {
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
  return { stdout, stderr, code };
}

/** Each post of the DM between the bot and the user, with the replies in its thread. */
function threadsOf(userId: string) {
  const all = server.postsIn(server.dmChannelWith(userId)?.id ?? "none");
  return all
    .filter((p) => !p.root_id)
    .map((status) => ({ status, replies: all.filter((p) => p.root_id === status.id) }));
}

describe.skipIf(Boolean(skipReason))("MailProg=mmn slurm-mail", () => {
  test("--mail-type=ALL by two users: each reaches their own Mattermost user, one message per job; each call timed", async () => {
    // Ann is mmnann on both; Ben is mmnben to Slurm and mailben to Mattermost.
    const ann = server.addUser("mmnann");
    const ben = server.addUser("mailben");
    people.set("mmnann", ann.id);
    people.set("mailben", ben.id);
    const map = join(site, "mail-map");
    writeFileSync(map, "mmnben mailben\n", { mode: 0o644 });
    writeFileSync(
      config,
      `url=${server.url}\ntoken=${server.token}\nteam=research\nspool=${spool}\nmail-map=${map}\n`,
      {
        mode: 0o600,
      },
    );
    const job = ["-D", "/tmp", "-o", "/dev/null", "--mail-type=ALL"];
    const a = await cluster.submitAs("mmnann", "#!/bin/sh\nexit 0\n", ["-J", "anntrain", ...job]);
    const b = await cluster.submitAs("mmnben", "#!/bin/sh\nexit 3\n", ["-J", "bentrain", ...job]);
    await cluster.waitForState(a, ["COMPLETED"], 60_000);
    await cluster.waitForState(b, ["FAILED"], 60_000);
    // BEGIN and END (FAIL) of each: slurmctld calls MailProg once per event.
    await waitFor(() => lines(times).length >= 4, 30_000, "MailProg's four calls");
    expect(readdirSync(spool)).toHaveLength(4);
    const { stdout, stderr, code } = await siteRelay();
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain(`mail: job ${a} began → @mmnann`);
    expect(stdout).toContain(`mail: job ${b} failed → @mailben`);
    for (const [user, id, end] of [
      [ann, a, `✅ **anntrain ${a}** COMPLETED`],
      [ben, b, `❌ **bentrain ${b}** FAILED with exit code 3`],
    ] as const) {
      const [thread, ...others] = threadsOf(user.id);
      expect(others).toEqual([]);
      expect(thread!.status.message).toStartWith(end);
      expect(thread!.replies.map((p) => p.message)).toEqual([thread!.status.message]);
      expect(thread!.status.message).toContain(id);
    }
    expect(readdirSync(spool)).toEqual([]);
    const ms = lines(times)
      .map((line) => {
        const [start, end] = line.split(" ").map(Number);
        return (end! - start!) * 1000;
      })
      .sort((x, y) => x - y);
    console.log(`MailProg calls (mmn slurm-mail under slurmctld), ms: ${ms.map((m) => m.toFixed(1)).join(", ")}`);
    expect(ms.at(-1)!).toBeLessThan(1000);
  }, 120_000);

  test("arrays: each task's mails (ARRAY_TASKS) or the array's summary are one board, its failures and its end the only pushes", async () => {
    const ann = people.get("mmnann")!;
    const ben = people.get("mailben")!;
    const before = lines(times).length;
    const job = ["-D", "/tmp", "-o", "/dev/null"];
    const a = await cluster.submitAs("mmnann", '#!/bin/sh\n[ "$SLURM_ARRAY_TASK_ID" = 3 ] && exit 2\nexit 0\n', [
      "-J",
      "annsweep",
      "--array=1-4",
      "--mail-type=ALL,ARRAY_TASKS",
      ...job,
    ]);
    const b = await cluster.submitAs("mmnben", "#!/bin/sh\nexit 0\n", [
      "-J",
      "bensweep",
      "--array=1-3",
      "--mail-type=ALL",
      ...job,
    ]);
    await cluster.waitForState(a, ["COMPLETED", "FAILED"], 60_000);
    await cluster.waitForState(b, ["COMPLETED"], 60_000);
    // Ann's four tasks begin and end (8 calls); Ben's array begins and ends once (2).
    await waitFor(() => lines(times).length >= before + 10, 30_000, "MailProg's ten calls");
    const { code, stderr } = await siteRelay();
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const annBoard = threadsOf(ann).find((t) => t.status.message.includes(`(array ${a})`))!;
    expect(annBoard.status.message).toBe(`❌ **annsweep** (array ${a}): 1 of 4 tasks failed (3: FAILED exit 2)`);
    // The failure's own push, then the end's; when task 3's mail is the array's last, the end's
    // one push tells it (its line names the failure), as mmn run's ends that come together do.
    const told = annBoard.replies.map((p) => p.message);
    expect(told.at(-1)).toBe(annBoard.status.message);
    const failure = new RegExp(`^❌ \\*\\*annsweep ${a}_3 \\(\\d+\\)\\*\\* FAILED with exit code 2`);
    expect(told.slice(0, -1)).toEqual(told.length === 2 ? [expect.stringMatching(failure)] : []);
    const benBoard = threadsOf(ben).find((t) => t.status.message.includes(`(array ${b})`))!;
    expect(benBoard.status.message).toStartWith(`✅ **bensweep** (array ${b}) ended: COMPLETED`);
    expect(benBoard.replies.map((p) => p.message)).toEqual([benBoard.status.message]);
  }, 120_000);
});
