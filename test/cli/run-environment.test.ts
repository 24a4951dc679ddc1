import { expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MMN, mmn, type Sandbox } from "../helpers/cli.ts";
import { outputOf } from "../helpers/output.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import type { TestServer } from "../server/index.ts";

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
    expect(ours(r.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^mmn: the temporary directory cannot hold the log \\(${escapeRegExp(reason)}\\): it is written in /tmp/mmn-run-\\w+ instead$`,
        ),
      ),
    ]);
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

/** A command line as bash reads it, from argv. */
const quoted = (argv: readonly string[]) => argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");

async function bash(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(["bash", "-c", line], { cwd: box.cwd, env: box.env, stdout: "pipe", stderr: "pipe" });
  const { stdout, stderr, code } = await outputOf(proc);
  return { code, stdout, stderr };
}

test("open files above stderr reach the command at their numbers, as exec passes them (exec 3> file), and nothing of mmn's", async () => {
  const opened =
    "for fd in 3 4 5 6 7 8 9 10 11 12; do [ -e /proc/$$/fd/$fd ] && echo open $fd; done; echo three >&3; echo five >&5";
  const r = await bash(`exec 3> three.txt 5> five.txt; ${quoted(MMN)} run -- sh -c '${opened}'`);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("open 3\nopen 5\n");
  expect(readFileSync(join(box.cwd, "three.txt"), "utf8")).toBe("three\n");
  expect(readFileSync(join(box.cwd, "five.txt"), "utf8")).toBe("five\n");
  expect(dmPosts()[0]!.message).toContain("succeeded");
});

test.skipIf(!Bun.which("make"))(
  "make's jobserver reaches a make that mmn runs (+ rule): no 'jobserver unavailable'",
  async () => {
    const make = Bun.spawnSync(["make", "--help"]).stdout.toString();
    // From make 4.4 the jobserver is a named FIFO unless asked for pipes, which are what mmn must pass.
    const style = make.includes("--jobserver-style") ? " --jobserver-style=pipe" : "";
    mkdirSync(join(box.cwd, "sub"));
    writeFileSync(join(box.cwd, "sub", "Makefile"), "all: a b\na:\n\t@echo a\nb:\n\t@echo b\n");
    writeFileSync(
      join(box.cwd, "Makefile"),
      `all:\n\t+${quoted(MMN).replace(/\$/g, "$$$$")} run --no-logs -- $(MAKE) -C sub\n`,
    );
    const r = await bash(`make -j2${style}`);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("jobserver unavailable");
    expect(r.stdout).toContain("a\n");
  },
);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
