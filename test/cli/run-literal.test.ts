/**
 * Names that come from the job or the machine reach posts literally: a file the job made,
 * named to look like a heading, a link and a channel-wide mention, does none of that in the
 * notifying reply, nor does such a job name, directory or `#!` line in the status post or on
 * an array's board.
 */
import { expect, test } from "bun:test";
import { chmodSync, lchownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mmn, type Sandbox } from "../helpers/cli.ts";
import { markdownHazards, postTexts } from "../helpers/markdown.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import type { TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const EVIL = "x\n@channel\n# URGENT: [re-login here](https:x.example)";
/** As posts show it: the line breaks escaped, the mention broken by an invisible word joiner. */
const SHOWN = "x\\n@\u2060channel\\n# URGENT: [re-login here](https:x.example)";

/** Every message and card the server was sent, edits included: none may do more than show text. */
function expectLiteral(): void {
  const texts = server.requests.flatMap((q) => {
    const body = q.body as { message?: string; props?: { attachments?: unknown } } | undefined;
    if (!body || typeof body.message !== "string") return [];
    return postTexts({ message: body.message, props: body.props ?? {} } as Parameters<typeof postTexts>[0]);
  });
  expect(texts.length).toBeGreaterThan(0);
  // mmn's own link to the run's thread, in a failure's urgent post, is no name from the job.
  const own = /^\[the job's thread\]\(http:\/\/127\.0\.0\.1:\d+\/_redirect\/pl\/[a-z0-9]{26}\)$/;
  const shown = texts.map((text) =>
    text
      .split("\n")
      .filter((line) => !own.test(line))
      .join("\n"),
  );
  expect(shown.flatMap(markdownHazards)).toEqual([]);
}

test("--attach: file names in the reply's notes, the job's name and its directory are shown literally", async () => {
  const dir = join(box.cwd, `${EVIL}.d`);
  mkdirSync(dir);
  writeFileSync(join(dir, `${EVIL}.bin`), Buffer.alloc(100_000));
  for (let i = 1; i <= 51; i++) writeFileSync(join(dir, `${EVIL} ${i}.png`), String(i));
  const r = await mmn(
    { ...box, cwd: dir },
    ["run", "--attach", "*.bin", "--attach", "*.png", "--attach", `${EVIL}*.csv`, "--", "true"],
    {
      env: { SLURM_JOB_ID: "4711", SLURM_JOB_NAME: EVIL },
    },
  );
  expect(r.code).toBe(0);
  const [status, reply] = alicePosts(server);
  expect(status!.message).toStartWith(`✅ **\`${SHOWN}\` 4711** succeeded on `);
  expect(reply!.message).toContain(
    `\n(\`${SHOWN}.bin\` (98 KiB) is larger than the server takes (64 KiB): not attached)`,
  );
  expect(reply!.message).toMatch(
    /\n\(`x\\n@\u2060channel\\n# URGENT: \[re-login here\]\(https:x\.example\) \d+\.png` and the files after it/,
  );
  expect(reply!.message).toContain(`\n(nothing matched \`${SHOWN}*.csv\`)`);
  const card = (status!.props.attachments as Array<{ fields: Array<{ title: string; value: string }> }>)[0]!;
  const field = (title: string) => card.fields.find((f) => f.title === title)?.value;
  expect(field("Slurm job")).toBe(`4711 (\`${SHOWN}\`)`);
  expect(field("Directory")).toEndWith(`/${SHOWN}.d\``);
  expectLiteral();
});

test.skipIf(process.geteuid?.() !== 0)("--attach: another user's link is named literally in the note", async () => {
  const link = join(box.cwd, `${EVIL}.txt`);
  symlinkSync(box.write("secret.key", "private\n"), link);
  lchownSync(link, 4242, 4242);
  expect((await mmn(box, ["run", "--attach", "*.txt", "--", "true"])).code).toBe(0);
  expect(alicePosts(server)[1]!.message).toContain(`(\`${SHOWN}.txt\`: a symlink of another user's, not attached)`);
  expectLiteral();
});

test("a bad #! line: the interpreter it names is shown literally", async () => {
  const script = box.write("job.sh", "#!/nowhere/@channel/[re-login](http://x)\necho hi\n");
  chmodSync(script, 0o755);
  const r = await mmn(box, ["run", "--", "./job.sh"]);
  expect(r.code).toBe(126);
  expect(alicePosts(server)[1]!.message).toContain(
    "could not start: `bad interpreter: /nowhere/@\u2060channel/[re-login](http://x): no such file (the #! line of ./job.sh)`",
  );
  expectLiteral();
});

test("an array task: the job's name on the board and in the reply that tells its failure is shown literally", async () => {
  const env = {
    SLURM_JOB_ID: "5001",
    SLURM_JOB_NAME: EVIL,
    SLURM_ARRAY_JOB_ID: "5000",
    SLURM_ARRAY_TASK_ID: "1",
    SLURM_ARRAY_TASK_COUNT: "1",
    // The only task: no other end to wait for.
    MMN_TEST_ARRAY_GATHER_MS: "0",
  };
  expect((await mmn(box, ["run", "--", "sh", "-c", "exit 3"], { env })).code).toBe(3);
  const [board, ...thread] = alicePosts(server);
  expect(board!.message).toBe(`❌ **\`${SHOWN}\`** (array 5000): 1 of 1 tasks failed (1: failed with exit code 3)`);
  // The last task's failure rides on the one reply that tells the array is done.
  expect(thread.map((p) => p.message)).toContain(
    `❌ **\`${SHOWN}\`** (array 5000): 1 of 1 tasks failed (1: failed with exit code 3)`,
  );
  expectLiteral();
});
