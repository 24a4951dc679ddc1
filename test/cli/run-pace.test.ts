import { describe, expect, test } from "bun:test";
import type { Post } from "@mattermost/types/posts";
import { mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { RecordedRequest, TestServer } from "../server/index.ts";

// Edits a server can live with (issue 19, item 5): the live edits slow down as the run ages and
// when the server says 429, and a post past the server's PostEditTimeLimit gets its final state
// as a reply. Through the binary, with the schedule's minute shortened.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const roots = () => alicePosts(server).filter((p) => !p.root_id);
const repliesTo = (post: Post) => alicePosts(server).filter((p) => p.root_id === post.id);
const ours = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("mmn: ") && !l.includes("reporting as"));
const edits = (): RecordedRequest[] => server.requests.filter((q) => q.method === "PUT");
/** A command that prints a line every 10 ms until the test creates `end`, then fails. */
const chatty = ["bash", "-c", "i=0; while [ ! -e end ]; do echo $((i++)); sleep 0.01; done; exit 3"];
const gaps = (list: RecordedRequest[]) => list.slice(1).map((q, i) => q.at - list[i]!.at);

describe("the live edits' pace", () => {
  test("every interval at first, then once a (shortened) minute, then every five: later edits are further apart", async () => {
    // The schedule's minute is 40 ms: 20 ms for 400 ms, then 40 ms until 2.4 s, then 200 ms.
    const env = { MMN_TEST_INTERVAL_MS: "20", MMN_TEST_PACE_MINUTE_MS: "40" };
    const run = mmn(box, ["run", "--", ...chatty], { env });
    await waitFor(() => roots().length === 1, 10_000, "the status post");
    const start = roots()[0]!.create_at;
    const late = () => edits().filter((q) => q.status === 200 && q.at - start >= 2500);
    await waitFor(() => late().length >= 4, 20_000, "edits after the first hour of the schedule");
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    // The last PUT is the end's: the live edits are the ones before it.
    const live = edits().slice(0, -1);
    const lateGaps = gaps(live.filter((q) => q.at - start >= 2500));
    expect(lateGaps.length).toBeGreaterThanOrEqual(2);
    // Seen at the server, one edit that arrives late shortens the gap after it (108 ms for 200 on a
    // loaded machine): each gap at least twice the hour's 40 ms, and on average 150 ms or more.
    for (const gap of lateGaps) expect(gap).toBeGreaterThanOrEqual(80);
    expect(lateGaps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(150 * lateGaps.length);
    // Early on, edits came at (about) the interval.
    const early = live.filter((q) => q.at - start < 400);
    expect(early.length).toBeGreaterThanOrEqual(2);
    expect(roots()[0]!.message).toContain("failed with exit code 3");
    expect(ours(r.stderr)).toEqual([]);
  });

  test("a 429 on live edits slows them down, twice as much each time, with no warning", async () => {
    server.fault({ kind: "status", status: 429, method: "PUT", times: 4, headers: { "Retry-After": "0" } });
    const env = { MMN_TEST_INTERVAL_MS: "20" };
    const run = mmn(box, ["run", "--", ...chatty], { env });
    await waitFor(() => edits().filter((q) => q.status === 200).length >= 2, 20_000, "edits after the 429s");
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    const attempts = edits();
    expect(attempts.slice(0, 4).map((q) => q.status)).toEqual([429, 429, 429, 429]);
    // After the k-th refusal the next try waits 2^k intervals (the ticks may come later, never
    // sooner). Seen at the server, one request that arrives late shortens the gap after it (28 ms
    // for 40 on a loaded CI machine, 49 for 320 under a load of 30), never the time since the
    // first refusal: each try comes no sooner than all the waits before it, less 30 ms for the
    // first request's own lateness (without the doubling they come to 80 ms of 600).
    const after = gaps(attempts.slice(0, 5));
    const waits = after.map((_, k) => 20 * 2 ** (k + 1));
    const sums = (list: number[]) => list.map((_, k) => list.slice(0, k + 1).reduce((a, b) => a + b, 0));
    const waited = sums(waits);
    for (const [k, since] of sums(after).entries()) expect(since).toBeGreaterThanOrEqual(waited[k]! - 30);
    expect(roots()[0]!.message).toContain("failed with exit code 3");
    expect(ours(r.stderr)).toEqual([]);
  });

  test("past the server's PostEditTimeLimit: the live edits stop, and the final state goes as a reply", async () => {
    server.editTimeLimit(0.3);
    const run = mmn(box, ["run", "--", ...chatty], { env: { MMN_TEST_INTERVAL_MS: "50" } });
    await waitFor(() => edits().some((q) => q.status === 400), 20_000, "an edit refused for the post's age");
    const refusedAt = edits().findIndex((q) => q.status === 400);
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(3);
    expect(edits().slice(refusedAt + 1)).toEqual([]);
    const [status, ...others] = roots();
    expect(others).toEqual([]);
    expect(status!.message).toStartWith("⏳");
    const replies = repliesTo(status!);
    expect(replies).toHaveLength(2);
    const state = replies.find((p) => p.props.attachments !== undefined)!;
    expect(state.message).toStartWith("❌");
    expect(state.message).toContain("failed with exit code 3");
    expect(state.props.attachments).toEqual([expect.objectContaining({ color: "danger" })]);
    expect(replies.filter((p) => p !== state)[0]!.message).toContain("failed with exit code 3");
    expect(ours(r.stderr)).toEqual([
      "mmn: Post edit is only allowed for 0.3 seconds. (HTTP 400): past the server's PostEditTimeLimit the status message keeps its last state, and the end is told in a reply",
    ]);
  });
});
