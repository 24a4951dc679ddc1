/**
 * The end of a run when the machine says no: a directory the job made unreadable, a hook
 * file with nowhere to go, a $TMPDIR that fills up. The job's exit code stays, the final
 * reply goes out and says what it could not hold.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Post } from "@mattermost/types/posts";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

const ROOT = process.geteuid?.() === 0;
const asRoot = ROOT ? test : test.skip;
/** An ordinary user: root reads every directory, whatever its mode. */
const USER = 4242;

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const dmPosts = () => alicePosts(server);
const logOf = (post: Post) => server.files.get(post.file_ids?.[0] ?? "")?.content.toString() ?? "";

/** The sandbox handed to the ordinary user, with a $TMPDIR of theirs to see what is left in it. */
function asUser(b: Sandbox, config?: Record<string, string>): { box: Sandbox; temp: string } {
  const own = config ? sandbox(server, { user: "alice", ...config }) : b;
  const temp = mkdtempSync(join(tmpdir(), "mmn-end-tmp-"));
  for (const path of [own.home, join(own.home, ".mmnrc"), own.cwd, temp]) chownSync(path, USER, USER);
  return { box: { ...own, env: { ...own.env, TMPDIR: temp } }, temp };
}

describe("nothing after the job changes its exit code", () => {
  asRoot(
    "--attach into a directory the user cannot read (chmod 000): exit code kept, the reply sent with a note, $TMPDIR left clean",
    async () => {
      const { box: user, temp } = asUser(box);
      const script = "mkdir -p plots/locked && echo a > plots/a.png && chmod 000 plots/locked && echo done; exit 0";
      const r = await mmn(user, ["run", "--attach", "**/*.png", "--", "sh", "-c", script], { uid: USER });
      expect(r.stderr).not.toContain("error");
      expect(r.code).toBe(0);
      const [status, reply] = dmPosts();
      expect(status!.message).toContain("succeeded");
      expect(reply!.message).toContain("(cannot search all of `**/*.png`: ");
      expect(reply!.message).toContain("permission denied");
      expect(readdirSync(temp)).toEqual([]);

      // attach= in the configuration: every run would meet it.
      server.reset();
      const configured = asUser(box, { attach: "**/*.png" });
      const mk = (dir: string) => {
        mkdirSync(join(configured.box.cwd, dir));
        chmodSync(join(configured.box.cwd, dir), 0o000);
        chownSync(join(configured.box.cwd, dir), USER, USER);
      };
      mk("locked");
      const c = await mmn(configured.box, ["run", "--", "sh", "-c", "exit 7"], { uid: USER });
      expect(c.code).toBe(7);
      expect(dmPosts()[1]!.message).toContain("(cannot search all of `**/*.png`: ");
      expect(readdirSync(configured.temp)).toEqual([]);
    },
  );

  test("--save-hook into a missing directory: exit 7 stays, a warning says the hook is not saved", async () => {
    // Long enough that waiting for it would show: the end must not wait for anything left over.
    const started = performance.now();
    const r = await mmn(box, ["run", "-s", join(box.cwd, "missing/dir/job.hook"), "--", "sh", "-c", "exit 7"], {
      env: { MMN_TEST_FINISH_MS: "20000" },
    });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(
      `mmn: cannot write hook file ${join(box.cwd, "missing/dir/job.hook")}: no such file or directory: the hook is not saved\n`,
    );
    expect(dmPosts()[1]!.message).toContain("failed with exit code 7");
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});

describe("a log that does not fit keeps the end of the output", () => {
  /** Numbered lines, 2.2 MB: the end is what a reader looks for. */
  const job = ["seq", "1", "300000"];

  const expectEnd = (log: string) => {
    expect(log).toEndWith("299999\n300000\n");
    const lines = log.split("\n").slice(0, -1).map(Number);
    // Whole lines from the first, in order.
    expect(lines.every((n, i) => i === 0 || n === lines[i - 1]! + 1)).toBe(true);
  };

  asRoot("a full $TMPDIR (a 512 KiB tmpfs): the reply has the log's end and says what was lost", async () => {
    const mount = mkdtempSync(join(tmpdir(), "mmn-full-"));
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=512k,mode=1777", "tmpfs", mount]).exitCode).toBe(0);
    try {
      const r = await mmn(box, ["run", "--", ...job], { env: { TMPDIR: mount } });
      expect(r.code).toBe(0);
      expect(r.stdout).toEndWith("300000\n");
      expect(r.stderr).toContain("mmn: $TMPDIR is full: the log keeps the last ");
      const [, reply] = dmPosts();
      expect(reply!.message).toMatch(
        /\nThe first 1\.\d MiB of the output were lost: \$TMPDIR is full\. Attached are its last 64 KiB\.$/,
      );
      expectEnd(logOf(reply!));
      expect(readdirSync(mount)).toEqual([]);
    } finally {
      Bun.spawnSync(["umount", mount]);
    }
  });

  test("a file size limit (ulimit -f) the same way: the end of the output, and what was lost", async () => {
    const shell = (limit: string) =>
      Bun.spawn(["bash", "-c", `ulimit -f ${limit}; exec "$@"`, "sh", ...MMN, "run", "--", ...job], {
        cwd: box.cwd,
        env: box.env,
        stdout: "ignore",
        stderr: "pipe",
      });
    const limited = shell("256");
    const stderr = await new Response(limited.stderr).text();
    expect(await limited.exited).toBe(0);
    expect(stderr).toContain(
      "mmn: the file size limit (ulimit -f) is reached: the log keeps the last 256 KiB of the output\n",
    );
    const [, reply] = dmPosts();
    expect(reply!.message).toMatch(
      /\nThe first 1\.\d MiB of the output were lost: the file size limit \(ulimit -f\) is reached\. Attached are its last 64 KiB\.$/,
    );
    expectEnd(logOf(reply!));

    // --log is the user's file, not a ring: it keeps the beginning, and the reply says the end is missing.
    server.reset();
    const kept = Bun.spawn(
      ["bash", "-c", `ulimit -f 64; exec "$@"`, "sh", ...MMN, "run", "--log", "job.log", "--", ...job],
      { cwd: box.cwd, env: box.env, stdout: "ignore", stderr: "pipe" },
    );
    expect(await new Response(kept.stderr).text()).toContain(
      "mmn: the log stopped: the file size limit (ulimit -f) is reached\n",
    );
    expect(await kept.exited).toBe(0);
    expect(dmPosts()[1]!.message).toEndWith(
      "\nThe log stopped after 64 KiB: the file size limit (ulimit -f) is reached; the rest of the output is not in it.",
    );
  });
});

describe("a run killed outright leaves nothing behind", () => {
  test("SIGKILL to mmn while its command runs: its $TMPDIR is as empty as before (the log went with the process)", async () => {
    const temp = mkdtempSync(join(tmpdir(), "mmn-end-tmp-"));
    const proc = Bun.spawn([...MMN, "run", "--", "sh", "-c", "echo started; sleep 30"], {
      cwd: box.cwd,
      env: { ...box.env, TMPDIR: temp },
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("started\n");
    await waitFor(() => dmPosts().length === 1, 10_000, "the status post");
    // What the scheduler's SIGKILL after KillWait, or the OOM killer, does: no handler runs.
    proc.kill("SIGKILL");
    await proc.exited;
    reader.releaseLock();
    expect(readdirSync(temp)).toEqual([]);
  });
});
