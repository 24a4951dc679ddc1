/**
 * What mmn says, and to whom: a flag given twice, a mistyped command or flag, a flag of another
 * command, a nested send inside a run, and setup's own words (issue 15, item 17).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { MMN, mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  box = sandbox(server);
});

const posted = () => server.requests.filter((q) => q.method === "POST" && q.path === "/api/v4/posts");

describe("bad input is exit 2, says what was meant, and sends nothing", () => {
  test("a flag that takes one value, given twice: refused, not the last one taken", async () => {
    const r = await mmn(box, ["send", "hi", "-u", "alice", "-u", "bob"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: -u/--user given twice ("alice" and "bob"): it takes one value\n');
    expect(r.stderr).toContain("hint: one user or channel a message: for several, a channel they share");
    expect(r.stderr).not.toContain("sent");
    expect(server.requests).toEqual([]);

    const run = await mmn(box, ["run", "--on", "always", "--on", "failure", "--", "true"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--on given twice");
    expect(posted()).toEqual([]);
  });

  test("mmn send --append points at mmn update", async () => {
    const r = await mmn(box, ["send", "--id", "x", "--append", "more"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown option --append\n");
    expect(r.stderr).toContain("hint: adding to a message is mmn update's: mmn update --id ID --append TEXT\n");
    expect(server.requests).toEqual([]);
  });

  test("a mistyped command or flag: did you mean", async () => {
    const sned = await mmn(box, ["sned", "hi"]);
    expect(sned.code).toBe(2);
    expect(sned.stderr).toContain('error: unknown command "sned"\nhint: did you mean mmn send?');
    const flag = await mmn(box, ["send", "hi", "--chanel", "town-square"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("hint: did you mean --channel?");
    const run = await mmn(box, ["run", "--atach", "*.png", "--", "true"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("hint: did you mean --attach?");
    const global = await mmn(box, ["send", "hi", "--verbos"]);
    expect(global.stderr).toContain("hint: did you mean --verbose?");
    const far = await mmn(box, ["frobnicate"]);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toContain("did you mean");
    expect(server.requests).toEqual([]);
  });
});

test("mmn run --help describes --no-logs", async () => {
  const r = await mmn(box, ["run", "--help"]);
  expect(r.code).toBe(0);
  const line = r.stdout.split("\n").find((l) => l.trim().startsWith("--no-logs"));
  expect(line?.trim()).toMatch(/^--no-logs\s+keep no log \(no temporary file\) and attach none$/);
});

test("a nested mmn send inside mmn run keeps its ✔ line out of the job's output, live tail and log", async () => {
  const nested = `${MMN.map((p) => `'${p}'`).join(" ")} send "from inside" -u alice`;
  const r = await mmn(box, ["run", "-u", "alice", "--", "sh", "-c", `${nested}; echo done`]);
  expect(r.code).toBe(0);
  expect(`${r.stdout}${r.stderr}`).not.toContain("sent");
  const dm = server.postsIn(server.dmChannelWith(server.users.alice.id)!.id);
  expect(dm.map((p) => p.message)).toContain("from inside");
  const everything = JSON.stringify(server.requests.map((q) => q.body));
  expect(everything).not.toContain("sent (post");
  const log = [...server.files.values()].map((f) => f.content.toString()).join("");
  expect(log).toBe("done\n");

  // --verbose brings it back, and --json still prints what a script asked for.
  server.reset();
  const json = await mmn(box, ["run", "-u", "alice", "--", "sh", "-c", `${nested} --json`]);
  expect(JSON.parse(json.stdout).post_id).toBeString();
});

describe("mmn setup speaks as setup", () => {
  test("a rejected token: the hint names where it came from, not `mmn setup`; exit 3", async () => {
    const fresh = sandbox();
    fresh.secrets.push("wrongwrongwrongwrongwrongw");
    const r = await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "--yes"], {
      stdin: "wrongwrongwrongwrongwrongw",
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("error: the server rejected the token");
    expect(r.stderr).toContain("hint: check what stdin holds (a bot's tokens: Integrations → Bot Accounts");
    expect(r.stderr).not.toContain("mmn setup");
  });

  test("the team it takes is said, and why", async () => {
    const fresh = sandbox();
    const r = await mmn(fresh, ["setup", "--url", server.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: server.token,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("✔ team research: the bot's only team\n");

    server.addTeam("physics", "Physics");
    const two = await mmn(sandbox(), ["setup", "--url", server.url, "--token-file", "-", "-u", "alice", "--yes"], {
      stdin: server.token,
    });
    expect(two.code).toBe(0);
    expect(two.stderr).toContain("✔ team research: the first of the bot's teams (also physics; --team to choose)\n");
  });
});
