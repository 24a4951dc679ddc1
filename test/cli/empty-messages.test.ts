import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mmn, type Sandbox, sandbox } from "../helpers/cli.ts";
import { startTestServer, type TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
let original: { id: string; channel_id: string };
const changes = () => server.requests.filter((q) => q.method !== "GET");

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  box = sandbox(server);
  expect((await mmn(box, ["send", "the original", "-u", "alice", "--id", "n"])).code).toBe(0);
  original = [...server.posts.values()][0]!;
  server.requests.length = 0;
});

describe("an empty message is refused, never posted or used to blank a message", () => {
  const rows: Array<[string, string[], string | undefined]> = [
    ["update with ''", ["update", "--id", "n", ""], undefined],
    ["update --append with blanks", ["update", "--id", "n", "--append", "   "], undefined],
    ["update with empty stdin", ["update", "--id", "n"], ""],
    ["send --id of a known message with ''", ["send", "--id", "n", ""], undefined],
    ["send --reply-to with empty stdin", ["send", "--reply-to", "n"], ""],
  ];
  for (const [name, args, stdin] of rows) {
    test(`${name}: exit 2, nothing sent`, async () => {
      const r = await mmn(box, args, stdin === undefined ? {} : { stdin });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe("error: the message is empty and no file is attached\n");
      expect(changes()).toEqual([]);
      expect(server.posts.get(original.id)?.message).toBe("the original");
    });
  }

  test("files with no text go to the thread and leave the message as it was", async () => {
    const f = box.write("result.txt", "42\n");
    const r = await mmn(box, ["send", "--id", "n", "-f", f], { stdin: "" });
    expect(r.code).toBe(0);
    expect(r.stderr).toStartWith('✔ replied as "n" (post ');
    const [post, reply] = server.postsIn(original.channel_id);
    expect(post?.message).toBe("the original");
    expect(reply).toMatchObject({ root_id: original.id, message: "" });
    expect(reply?.file_ids).toHaveLength(1);
  });
});
