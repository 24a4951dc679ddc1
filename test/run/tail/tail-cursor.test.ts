import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TailBuffer, type TailOptions } from "../../../src/run/tail/tail.ts";
import { Terminal } from "../../../src/run/tail/terminal.ts";
import { dockerPull, type PullMessage } from "../fixtures/progress/docker.ts";
import { enc, tailBytewise, tailChunked, tailOf } from "./tail-helpers.ts";

// What a terminal shows when a program moves the cursor over its status lines.

/** Bytes recorded from real tqdm and rich by fixtures/progress/record.py. */
const recorded = (name: string) =>
  new Uint8Array(readFileSync(join(import.meta.dir, "..", "fixtures", "progress", name)));

/** The input up to where `marker` occurs for the k-th time. */
function upTo(input: Uint8Array, marker: string, k: number): Uint8Array {
  const text = Buffer.from(input).toString("latin1");
  let at = -1;
  for (let i = 0; i < k; i++) {
    at = text.indexOf(marker, at + 1);
    if (at < 0) throw new Error(`no ${k}th ${JSON.stringify(marker)}`);
  }
  return input.subarray(0, at);
}

/** Fed whole, byte by byte, and cut in two at every byte with the lines asked for in between. */
function expectEveryCut(input: Uint8Array, want: string[], opts?: TailOptions): void {
  expect(tailOf(input, opts)).toEqual(want);
  expect(tailBytewise(input, opts)).toEqual(want);
  for (let cut = 1; cut < input.length; cut++) {
    const tail = new TailBuffer(opts);
    tail.push(input.subarray(0, cut));
    tail.lines();
    tail.push(input.subarray(cut));
    expect(tail.lines()).toEqual(want);
  }
}

describe("TailBuffer cursor moves", () => {
  test("to a column then erase: the new text alone; a bare carriage return keeps the old end, as a terminal does", () => {
    expect(tailOf("2/320\x1b[G\x1b[K2/3")).toEqual(["2/3"]);
    expect(tailOf("2/320\x1b[1G\x1b[0K2/3")).toEqual(["2/3"]);
    expect(tailOf("2/320\r2/3")).toEqual(["2/320"]);
    expect(tailOf("2/320\x1b[1G2/3")).toEqual(["2/320"]);
    expect(tailOf("abcdefgh\x1b[3GXY")).toEqual(["abXYefgh"]);
    expect(tailOf("ab\x1b[10`c")).toEqual(["ab       c"]);
  });

  test("forward and back within the line", () => {
    expect(tailOf("abc\x1b[2Dx\x1b[3Cy")).toEqual(["axc  y"]);
    expect(tailOf("abc\x1b[9Dx")).toEqual(["xbc"]);
  });

  test("up and down rewrite the rows above, keeping the column", () => {
    expect(tailOf("one\ntwo\nthree\n\x1b[2A\x1b[2KTWO\x1b[2Efour\n")).toEqual(["one", "TWO", "three", "four"]);
    expect(tailOf("a\nb\x1b[AX")).toEqual(["aX", "b"]);
    expect(tailOf("a\nb\x1b[0AX")).toEqual(["aX", "b"]);
    expect(tailOf("a\nb\nc\x1b[2Fx\x1b[Bz")).toEqual(["x", "bz", "c"]);
  });

  test("the cursor stays on the screen: down stops at the last row, up at the top row kept", () => {
    expect(tailOf("a\nb\x1b[5Bc")).toEqual(["a", "bc"]);
    expect(tailOf("a\nb\n\x1b[99AX")).toEqual(["X", "b"]);
    // 40 lines on a screen of 31 rows (30 shown and the cursor's): lines 0 to 9 are gone.
    const screen = tailOf(`${Array.from({ length: 40 }, (_, i) => `line ${i}\n`).join("")}\x1b[99A\x1b[2Ktop`, {
      lines: 30,
    });
    expect(screen).toEqual(["top", ...Array.from({ length: 29 }, (_, i) => `line ${i + 11}`)]);
  });

  test("erase in display: below the cursor, above it, the whole screen", () => {
    expect(tailOf("a\nb\nc\x1b[1F\x1b[Jnew")).toEqual(["a", "new"]);
    expect(tailOf("a\nb\nc\x1b[1A\x1b[1J")).toEqual(["", "", "c"]);
    expect(tailOf("old\nlines\n\x1b[H\x1b[2Jfresh\n")).toEqual(["fresh"]);
  });

  test("moves split across chunks", () => {
    expectEveryCut(enc.encode("one\ntwo\n\x1b[2A\x1b[2KONE\x1b[12G!\x1b[2B\rthree\n"), [
      "ONE        !",
      "two",
      "three",
    ]);
  });
});

describe("TailBuffer on real progress output", () => {
  test("nested tqdm bars (position=1): the outer bar and the current inner one, not a stack of stale bars", () => {
    const run = recorded("tqdm-nested.out");
    const midRun = upTo(run, "\n\rbatch:  75%", 2);
    expectEveryCut(midRun, [
      "epochs:  33%|##########6                     | 1/3",
      "batch:  50%|################5                | 2/4",
    ]);
    expect(tailOf(midRun, { lines: 1 })).toEqual(["batch:  50%|################5                | 2/4"]);
    // The inner bar (leave=False) is blanked when it closes; "done" is written over its row.
    expectEveryCut(run, ["epochs: 100%|################################| 3/3", "done"]);
  });

  test("rich progress with two tasks (pip's library): both rows redrawn in place", () => {
    const run = recorded("rich-progress.out");
    expectEveryCut(upTo(run, "\r\x1b[2K\x1b[1A", 2), [
      "torch ━━━━━                0.5/2.0 MB",
      "numpy ━━━━━                7.5/30.0 kB",
    ]);
    expectEveryCut(run, [
      "torch ━━━━━━━━━━━━━━━━━━━━ 2.0/2.0 MB",
      "numpy ━━━━━━━━━━━━━━━━━━━━ 30.0/30.0 kB",
      "Successfully installed numpy torch",
    ]);
  });

  test("docker pull: each layer's row shows its latest status, also with a tail shorter than the layers", () => {
    const layers = ["0a1b", "1c2d", "2e3f", "3a4b", "4c5d", "5e6f", "6a7b", "7c8d"];
    const messages: PullMessage[] = [
      { status: "Using default tag: latest" },
      { id: "latest", status: "Pulling from library/python" },
    ];
    for (const id of layers) messages.push({ id, status: "Pulling fs layer", progress: "" });
    for (let mb = 1; mb <= 3; mb++)
      for (const id of layers)
        messages.push({ id, status: "Downloading", progress: `[${"=".repeat(mb)}>  ] ${mb}MB/3MB` });
    for (const id of layers.slice(0, 4)) messages.push({ id, status: "Pull complete", progress: "" });
    const midPull = enc.encode(dockerPull(messages));
    const rows = layers.map((id, i) => `${id}: ${i < 4 ? "Pull complete" : "Downloading [===>  ] 3MB/3MB"}`);
    expectEveryCut(midPull, ["Using default tag: latest", "latest: Pulling from library/python", ...rows]);
    // The first layers' rows are above a 3-line tail, but their updates go to their own rows.
    expect(tailOf(midPull, { lines: 3 })).toEqual(rows.slice(-3));

    for (const id of layers.slice(4)) messages.push({ id, status: "Pull complete", progress: "" });
    messages.push({ status: "Digest: sha256:4f5e" }, { status: "Status: Downloaded newer image for python:latest" });
    expect(tailOf(dockerPull(messages), { lines: 4 })).toEqual([
      "6a7b: Pull complete",
      "7c8d: Pull complete",
      "Digest: sha256:4f5e",
      "Status: Downloaded newer image for python:latest",
    ]);
  });
});

describe("TailBuffer skips only what cannot show", () => {
  /**
   * tqdm's bytes for nested bars (as in tqdm-nested.out): the inner bar's row is reached with "\n" and left with
   * ESC[A.
   */
  function nestedBars(inner: number, up = "\x1b[A"): string {
    let out = "\router 0/3";
    for (let j = 0; j <= inner; j++) out += `\n\rinner ${j}/${inner}${up}`;
    return `${out}\router 1/3`;
  }

  test("thousands of nested-bar updates in one chunk: the row above them is kept", () => {
    for (const up of ["\x1b[A", "\x1b[1A", "\x1b[F", "\x1b[0;1F", "\x1b[\b1A"]) {
      const input = enc.encode(nestedBars(5000, up));
      const want = ["outer 1/3", "inner 5000/5000"];
      expect(tailOf(input)).toEqual(want);
      for (const size of [777, 5000, 70000]) expect(tailChunked(input, size)).toEqual(want);
    }
  });

  test("rows newlines pass over keep their old ends until they scroll off, which takes twice the screen", () => {
    const tail = new TailBuffer({ lines: 5 });
    // 25 rows: the cursor goes up 20, then 30 short lines go down over the long ones.
    tail.push(
      enc.encode(`${Array.from({ length: 30 }, (_, i) => `old line ${i} with a long tail\n`).join("")}\x1b[20A`),
    );
    tail.push(enc.encode(Array.from({ length: 30 }, (_, i) => `n${i}\n`).join("")));
    tail.push(enc.encode("\x1b[20A\x1b[J"));
    expect(tail.lines()).toEqual([
      "n6d line 16 with a long tail",
      "n7d line 17 with a long tail",
      "n8d line 18 with a long tail",
      "n9d line 19 with a long tail",
    ]);
  });

  test("agrees with a terminal fed every byte, on output mixing cursor moves with runs of plain lines", () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed >> 8) % n;
    };
    // As many newlines as moves up, so that the cursor wanders over rows written long before.
    const moves = [
      "\n",
      "\n",
      "\n",
      "\n",
      "\x1b[A",
      "\x1b[3A",
      "\x1b[2F",
      "\x1b[A",
      "\x1b[B",
      "\x1b[E",
      "\r",
      "\x1b[K",
      "\x1b[2K",
      "\x1b[1K",
      "\x1b[7G",
      "\x1b[J",
      "\b",
      "é€",
      "😀",
      "x".repeat(150),
    ];
    const opts = { lines: 5, maxLineLength: 100 };
    const terminal = new Terminal(opts.lines, opts.maxLineLength);
    const byRound = new TailBuffer(opts);
    let input = "";
    for (let round = 0; round < 150; round++) {
      let part = "";
      if (random(2)) for (let i = random(80); i > 0; i--) part += `\x1b[3${i % 8}mrow ${round}.${i} of many\x1b[0m\n`;
      else for (let i = random(400); i > 0; i--) part += `${moves[random(moves.length)]}w${i}`;
      const bytes = enc.encode(part);
      terminal.feed(bytes, 0);
      byRound.push(bytes);
      input += part;
      // Skipped parts must never show, now or when the cursor comes back later.
      expect(byRound.lines()).toEqual(terminal.lines());
      expect(tailOf(input, opts)).toEqual(terminal.lines());
    }
    for (const size of [1, 777, 5000, 70000]) expect(tailChunked(input, size, opts)).toEqual(terminal.lines());
  });
});
