/**
 * The command-line conventions people expect (issue 19, item 7): --dry-run on send and run,
 * a manual page made from the flags --help shows, and "did you mean" wherever a word is mistyped.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  box = sandbox(server, { user: "alice" });
});

const posted = () => server.requests.filter((q) => q.method !== "GET");

describe("--dry-run", () => {
  test("mmn send --dry-run: says the recipient, the message and the files, sends nothing", async () => {
    const plot = box.write("plot.png", "x".repeat(2048));
    const r = await mmn(box, ["send", "--dry-run", "results are in", "-c", "town-square", "-f", plot]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(
      `dry run: nothing sent\nwould send a new message to ~town-square\nfile: ${plot} (2.0 KiB)\nmessage:\nresults are in\n`,
    );
    const json = await mmn(box, ["send", "--dry-run", "--json", "hi", "--id", "nightly"]);
    expect(JSON.parse(json.stdout)).toEqual({
      dry_run: true,
      action: "send",
      to: { user: "alice" },
      id: "nightly",
      message: "hi",
      files: [],
    });
    expect(server.requests).toEqual([]);
  });

  test("mmn send --dry-run of a known id: an edit of that message, and the server still has only the first", async () => {
    expect((await mmn(box, ["send", "--id", "nightly", "running"])).code).toBe(0);
    const before = posted().length;
    const r = await mmn(box, ["send", "--dry-run", "--id", "nightly", "done"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('would send an edit of the message known as "nightly"\n');
    expect(posted().length).toBe(before);
    expect([...server.posts.values()].map((p) => p.message)).toEqual(["running"]);
  });

  test("mmn send --dry-run refuses what the send would refuse: a missing file, no recipient", async () => {
    const missing = await mmn(box, ["send", "--dry-run", "x", "-f", "nope.txt"]);
    expect(missing).toMatchObject({
      code: 2,
      stdout: "",
      stderr: "error: cannot attach nope.txt: no such file or directory\n",
    });
    const nobody = await mmn(sandbox(server), ["send", "--dry-run", "x"]);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain("error: no recipient: nobody to send to\n");
    expect(server.requests).toEqual([]);
  });

  test("mmn run --dry-run: the start message and its recipient; the command does not run, nothing is posted", async () => {
    const r = await mmn(box, ["run", "--dry-run", "--mention", "bob", "--", "touch", "ran"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toStartWith(
      'dry run: the command is not run and nothing is posted\ncommand: touch ran\nto: @alice, as "run-',
    );
    expect(r.stdout).toContain(
      "the start message, edited every 30 s while it runs with its last 10 lines of output:\n⏳ **`touch ran`** is running on ",
    );
    expect(r.stdout).toContain(
      "at the end: the message edited, and a reply with the outcome, the log attached, mentioning @bob\n",
    );
    // Without `--`, and with --on failure.
    const failure = await mmn(box, ["run", "--dry-run", "--on", "failure", "touch", "ran"]);
    expect(failure.stdout).toContain("no start message; only if the command fails, one message with the outcome");
    // An event --urgent names is told, as the run would: --on failure --urgent begin has a start message.
    const woken = await mmn(box, ["run", "--dry-run", "--on", "failure", "--urgent", "begin,fail", "touch", "ran"]);
    expect(woken.stdout).toContain("the start message, edited every 30 s");
    expect(existsSync(join(box.cwd, "ran"))).toBe(false);
    expect(server.requests).toEqual([]);
    const help = await mmn(box, ["run", "--help"]);
    expect(help.stdout).toMatch(
      /--dry-run\s+print the start message that would be posted, and to whom; run nothing, post nothing/,
    );
  });

  test("mmn run --dry-run without a configuration: says the command would run without notifications", async () => {
    const r = await mmn(sandbox(), ["run", "--dry-run", "--", "touch", "ran"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "nothing would be posted: no Mattermost server URL is configured; the command would run without notifications\n",
    );
  });
});

describe("mmn help", () => {
  test("mmn help COMMAND is that command's --help; a mistyped one: did you mean", async () => {
    const help = await mmn(box, ["help", "send"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await mmn(box, ["send", "--help"])).stdout);
    expect((await mmn(box, ["help"])).stdout).toBe((await mmn(box, ["--help"])).stdout);
    expect(await mmn(box, ["help", "sned"])).toMatchObject({
      code: 2,
      stderr: 'error: no command "sned"\nhint: did you mean mmn help send?\n',
    });
  });

  test("mmn help --man: a manual page with every flag --help shows, which groff reads without a warning", async () => {
    const man = await mmn(box, ["help", "--man"]);
    expect(man.code).toBe(0);
    expect(man.stdout).toStartWith('.TH MMN 1 "" "mmn ');
    const text = man.stdout.replace(/\\-/g, "-");
    const commands = [...(await mmn(box, ["--help"])).stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(commands).toContain("send");
    for (const name of commands) {
      expect(text).toContain(`.SS \\fBmmn ${name}\\fR`);
      const help = (await mmn(box, [name, "--help"])).stdout;
      for (const flag of new Set(help.match(/(?<=^\s+(-\w, )?)--[a-z][a-z-]*/gm)))
        expect(text).toContain(`\\fB${flag}\\fR`);
    }
    if (Bun.which("groff")) {
      const page = box.write("mmn.1", man.stdout);
      const groff = Bun.spawn(["groff", "-man", "-Tutf8", "-ww", "-z", page], { stderr: "pipe" });
      expect(await new Response(groff.stderr).text()).toBe("");
      expect(await groff.exited).toBe(0);
    }
  });
});

describe("did you mean", () => {
  test("a hook action, a shell, an option's value, a global option before the command", async () => {
    for (const [args, hint] of [
      [["hook", "lst"], "hint: did you mean mmn hook list? (use list, show, export, import, rm or prune)"],
      [["completion", "bsh"], "hint: did you mean mmn completion bash?"],
      [["send", "x", "--delivery", "outbx"], "hint: did you mean --delivery outbox?"],
      // --on's words are the policy's, which names the likely one in its error.
      [["run", "--on", "failur", "--", "true"], 'not "failur" (did you mean failure?)'],
      [["--verbse", "send", "x"], "hint: did you mean --verbose? (mmn --help)"],
    ] as const) {
      const r = await mmn(box, [...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${hint}\n`);
    }
    expect(server.requests).toEqual([]);
  });
});
