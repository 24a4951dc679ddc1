// One test's batch jobs: a user of its own at the test server (so tests running at once
// never see each other's posts) and a HOME whose .mmnrc DMs that user.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Post } from "@mattermost/types/posts";
import type { UserProfile } from "@mattermost/types/users";
import type { TestServer } from "../server/index.ts";
import type { Cluster } from "./slurm.ts";

/** dist/ of this checkout, first on the jobs' PATH: their scripts call `mmn` as a user's would. */
export const DIST = resolve(import.meta.dir, "../../dist");
export const FIXTURES = join(import.meta.dir, "fixtures");

export interface JobBox {
  user: UserProfile;
  /** The job's HOME and working directory; its output files are here too. */
  home: string;
  /** `#!/bin/bash` is added in front of the script. */
  submit(script: string, args?: string[]): Promise<string>;
  /** What Slurm wrote to the job's (or array task's, "40_3") output file; "" before it exists. */
  output(jobId: string): string;
  /** The DM between the bot and this user, oldest first. */
  posts(): Post[];
  /** Each status post with the replies in its thread. */
  threads(): Array<{ status: Post; replies: Post[] }>;
}

export function jobBox(server: TestServer, cluster: Cluster, name: string): JobBox {
  const user = server.addUser(name);
  const home = mkdtempSync(join(tmpdir(), `mmn-job-${name}-`));
  const rc = { url: server.url, token: server.token, team: "research", user: name };
  writeFileSync(
    join(home, ".mmnrc"),
    Object.entries(rc)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
    { mode: 0o600 },
  );
  // Only these reach the job (and Slurm's own SLURM_*): nothing of the environment running the tests.
  const exported = [
    `HOME=${home}`,
    `PATH=${DIST}:/usr/local/bin:/usr/bin:/bin`,
    `SLURM_CONF=${cluster.env.SLURM_CONF}`,
    "LANG=C.UTF-8",
    "NO_COLOR=1",
  ];
  const outputPath = (jobId: string) => join(home, `job-${jobId}.out`);
  const posts = () => server.postsIn(server.dmChannelWith(user.id)?.id ?? "none");
  return {
    user,
    home,
    submit(script, args = []) {
      const pattern = args.some((a) => a.startsWith("--array")) ? "%A_%a" : "%j";
      const base = ["-J", name, "-D", home, "-o", outputPath(pattern), `--export=${exported.join(",")}`];
      return cluster.submit(`#!/bin/bash\n${script}`, [...base, ...args]);
    },
    output: (jobId) => (existsSync(outputPath(jobId)) ? readFileSync(outputPath(jobId), "utf8") : ""),
    posts,
    threads() {
      const all = posts();
      return all
        .filter((p) => !p.root_id)
        .map((status) => ({ status, replies: all.filter((p) => p.root_id === status.id) }));
    },
  };
}

type Card = { color: string; fields: Array<{ title: string; value: string }> };

/** A field of a status post's card ("Status", "Slurm job", ...). */
export function cardField(post: Post, title: string): string | undefined {
  return (post.props.attachments as Card[] | undefined)?.[0]?.fields.find((f) => f.title === title)?.value;
}

/** The text of the log attached to a reply. */
export function attachedLog(server: TestServer, reply: Post): string {
  const id = reply.file_ids?.[0];
  return id ? (server.files.get(id)?.content.toString() ?? "") : "";
}

/** A status post in its final state, with a reply in its thread: what a finished `mmn run` leaves. */
export function finished(box: JobBox, count = 1): boolean {
  const threads = box.threads();
  return (
    threads.length === count &&
    threads.every((t) => !t.status.message.includes("is running on") && t.replies.length > 0)
  );
}
