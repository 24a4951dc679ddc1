import { expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { TestServer } from "../server/index.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { mmn, type Sandbox } from "../helpers/cli.ts";

// What the run takes from the machine and the process that starts it: $TMPDIR, open files.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const dmPosts = () => alicePosts(server);
const ours = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("mmn: ") && !l.includes("reporting as"));
const attached = (reply: { file_ids?: string[] }) => server.files.get(reply.file_ids?.[0] ?? "")?.content.toString();

test("a $TMPDIR that is missing, a file or open to others: the command runs, one warning, the log kept in /tmp meanwhile", async () => {
  const file = box.write("a-file", "");
  const open = join(box.cwd, "open");
  mkdirSync(open);
  chmodSync(open, 0o777);
  const cases: Array<[string, string]> = [
    ["/nonexistent", "/nonexistent: ENOENT: no such file or directory"],
    [file, `${file}: not a directory`],
    [open, `${open}: others can write to it, and it is not sticky`],
  ];
  if (process.getuid?.() === 0) {
    const theirs = join(box.cwd, "theirs");
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    cases.push([theirs, `${theirs}: it belongs to another user`]);
  }
  for (const [tmp, reason] of cases) {
    server.reset();
    const r = await mmn(box, ["run", "--", "sh", "-c", "echo hi; exit 3"], { env: { TMPDIR: tmp } });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("hi\n");
    expect(ours(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^mmn: the temporary directory cannot hold the log \\(${escape(reason)}\\): it is written in /tmp/mmn-run-\\w+ instead$`))]);
    const [status, reply] = dmPosts();
    expect(status!.message).toContain("failed with exit code 3");
    expect(attached(reply!)).toBe("hi\n");
  }
  expect(readdirSync(open)).toEqual([]);
});

test("--no-logs needs no temporary directory: a bad $TMPDIR changes nothing", async () => {
  const r = await mmn(box, ["run", "--no-logs", "--", "echo", "hi"], { env: { TMPDIR: "/nonexistent" } });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("hi\n");
  expect(ours(r.stderr)).toEqual([]);
  expect(dmPosts()[1]!.message).toContain("succeeded");
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
