import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MMN, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

const tmux = Bun.which("tmux");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function tmuxRun(args: string[]): Promise<string> {
  return (await tmuxCall(args)).out;
}

async function tmuxCall(args: string[]): Promise<{ out: string; code: number }> {
  const p = Bun.spawn(["tmux", ...args], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  return { out, code: await p.exited };
}

/**
 * A session, once tmux has it: right after the last session was killed, the tmux server is
 * still exiting, and a new-session sent to it then is lost (an empty screen for ever).
 */
async function newSession(name: string, size: [number, number], cmd: string): Promise<void> {
  for (let tries = 0; tries < 50; tries++) {
    await tmuxCall(["new-session", "-d", "-s", name, "-x", String(size[0]), "-y", String(size[1]), cmd]);
    if ((await tmuxCall(["has-session", "-t", name])).code === 0) return;
    await Bun.sleep(100);
  }
  throw new Error(`tmux would not start session ${name}`);
}

/** A loaded CI machine has taken over ten seconds to draw a prompt: the bound is generous, the wait ends on the text. */
async function waitFor(session: string, text: string): Promise<string> {
  for (const until = performance.now() + 25_000; performance.now() < until; ) {
    const screen = await tmuxRun(["capture-pane", "-p", "-t", session]);
    if (screen.includes(text)) return screen;
    await Bun.sleep(50);
  }
  throw new Error(`"${text}" never appeared:\n${await tmuxRun(["capture-pane", "-p", "-t", session])}`);
}

describe.skipIf(!tmux)("mmn setup in a terminal", () => {
  test("asks for everything, hides the token, writes the file", async () => {
    const box = sandbox();
    const session = `mmn-setup-${process.pid}`;
    const env = Object.entries(box.env)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(" ");
    const cmd = `cd ${box.cwd} && env -i ${env} ${MMN.join(" ")} setup; echo "exit=$?"; sleep 30`;
    await newSession(session, [120, 40], cmd);
    try {
      await waitFor(session, "Mattermost server address:");
      await tmuxRun(["send-keys", "-t", session, server.url, "Enter"]);
      await waitFor(session, "Access token");
      await tmuxRun(["send-keys", "-t", session, "-l", server.token]);
      await tmuxRun(["send-keys", "-t", session, "Enter"]);
      await waitFor(session, "Send to whom by default?");
      await tmuxRun(["send-keys", "-t", session, "@alice", "Enter"]);
      await waitFor(session, `Write the configuration to ${join(box.home, ".mmnrc")}?`);
      await tmuxRun(["send-keys", "-t", session, "Enter"]);
      const screen = await waitFor(session, "exit=");
      expect(screen).toContain("exit=0");
      expect(screen).toContain("authenticated as @notify-bot");
      expect(screen).not.toContain(server.token);
      const path = join(box.home, ".mmnrc");
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const text = readFileSync(path, "utf8");
      expect(text).toContain(`token=${server.token}\n`);
      expect(text).toContain("user=alice\n");
      expect(text).toContain("team=research\n");
    } finally {
      await tmuxRun(["kill-session", "-t", session]);
    }
  }, 60_000);

  test("a bot in two teams: the team is chosen with the arrow keys; saying no writes nothing", async () => {
    const teams = await startTestServer();
    teams.addTeam("physics", "Physics");
    const box = sandbox();
    const session = `mmn-setup-teams-${process.pid}`;
    const env = Object.entries(box.env)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(" ");
    const cmd = `cd ${box.cwd} && env -i ${env} ${MMN.join(" ")} setup --url ${teams.url} -u alice; echo "exit=$?"; sleep 30`;
    await newSession(session, [120, 40], cmd);
    const path = join(box.home, ".mmnrc");
    try {
      await waitFor(session, "Access token");
      await tmuxRun(["send-keys", "-t", session, "-l", teams.token]);
      await tmuxRun(["send-keys", "-t", session, "Enter"]);
      await waitFor(session, "Team for channels");
      await tmuxRun(["send-keys", "-t", session, "Down"]);
      await tmuxRun(["send-keys", "-t", session, "Enter"]);
      await waitFor(session, "Write the configuration to");
      await tmuxRun(["send-keys", "-t", session, "Left"]);
      await tmuxRun(["send-keys", "-t", session, "Enter"]);
      const screen = await waitFor(session, "exit=");
      expect(screen).toContain("setup cancelled: nothing was written");
      expect(screen).toContain("exit=2");
      expect(() => statSync(path)).toThrow();
    } finally {
      await tmuxRun(["kill-session", "-t", session]);
    }
    // The same again, saying yes: the second team is the one written.
    const again = `mmn-setup-teams2-${process.pid}`;
    await newSession(again, [120, 40], cmd);
    try {
      await waitFor(again, "Access token");
      await tmuxRun(["send-keys", "-t", again, "-l", teams.token]);
      await tmuxRun(["send-keys", "-t", again, "Enter"]);
      await waitFor(again, "Team for channels");
      await tmuxRun(["send-keys", "-t", again, "Down"]);
      await tmuxRun(["send-keys", "-t", again, "Enter"]);
      await waitFor(again, "Write the configuration to");
      await tmuxRun(["send-keys", "-t", again, "Enter"]);
      expect(await waitFor(again, "exit=")).toContain("exit=0");
      expect(readFileSync(path, "utf8")).toContain("team=physics\n");
    } finally {
      await tmuxRun(["kill-session", "-t", again]);
      await teams.close();
    }
  }, 90_000);

  test("asks again after a wrong answer, and never sends the configured token to another server", async () => {
    const box = sandbox(server, { user: "alice" });
    const other = await startTestServer();
    const session = `mmn-setup-again-${process.pid}`;
    const env = Object.entries(box.env)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(" ");
    const cmd = `cd ${box.cwd} && env -i ${env} ${MMN.join(" ")} setup; echo "exit=$?"; sleep 30`;
    await newSession(session, [160, 50], cmd);
    const answer = async (prompt: string, text: string) => {
      await waitFor(session, prompt);
      await tmuxRun(["send-keys", "-t", session, "-l", text]);
      await tmuxRun(["send-keys", "-t", session, "Enter"]);
    };
    try {
      await answer("Mattermost server address:", "http://127.0.0.1:1");
      await answer("could not reach 127.0.0.1:1", other.url);
      await answer("Access token:", "");
      await answer("error: no token", "wrongwrongwrongwrongwrongw");
      // Setup's own words: the general hint would say to run `mmn setup`, which is where we are.
      const rejected = await waitFor(session, "hint: paste it again");
      expect(rejected).not.toContain("mmn setup");
      await answer("hint: paste it again", other.token);
      await answer("Send to whom by default?", "@nobody");
      await answer("error: no user named @nobody", "@bob");
      await answer("Write the configuration to", "");
      const screen = await waitFor(session, "exit=");
      expect(screen).toContain("exit=0");
      expect(screen).not.toContain(other.token);
      const text = readFileSync(join(box.home, ".mmnrc"), "utf8");
      expect(text).toContain(`url=${other.url}\n`);
      expect(text).toContain(`token=${other.token}\n`);
      expect(text).toContain("user=bob\n");
      const sentTokens = other.requests.map((r) => r.headers.authorization);
      expect(sentTokens).not.toContain(`Bearer ${server.token}`);
      expect(other.requests[0]).toMatchObject({ path: "/api/v4/system/ping" });
      expect(sentTokens[0]).toBeUndefined();
    } finally {
      await tmuxRun(["kill-session", "-t", session]);
      await other.close();
    }
  }, 90_000);
});
