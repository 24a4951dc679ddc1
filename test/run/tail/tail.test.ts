import { describe, expect, test } from "bun:test";
import { TailBuffer } from "../../../src/run/tail/tail.ts";
import { enc, tailBytewise, tailOf } from "./tail-helpers.ts";

const bytes = (...parts: Array<string | number[]>) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...enc.encode(p)] : p)));

describe("TailBuffer lines", () => {
  test("keeps the last N lines, the unfinished one included", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    expect(tailOf(text, { lines: 3 })).toEqual(["line 27", "line 28", "line 29"]);
    expect(tailOf(`${text}\n`, { lines: 3 })).toEqual(["line 27", "line 28", "line 29"]);
    expect(tailOf("a\nb\n")).toEqual(["a", "b"]);
    expect(tailOf("")).toEqual([]);
  });

  test("keeps empty lines", () => {
    expect(tailOf("a\n\n\nb\n")).toEqual(["a", "", "", "b"]);
  });

  test("a carriage return overwrites the line: a progress bar shows its last state", () => {
    expect(tailOf("start\n 10%|#    |\r 50%|###  |\r100%|#####|\ndone\n")).toEqual(["start", "100%|#####|", "done"]);
    // Overwriting with shorter text leaves the end of the longer one, as on a terminal.
    expect(tailOf("abcdef\rXY")).toEqual(["XYcdef"]);
    expect(tailOf("downloading\r")).toEqual(["downloading"]);
  });

  test("CRLF is a plain newline", () => {
    expect(tailOf("one\r\ntwo\r\n")).toEqual(["one", "two"]);
  });

  test("backspace moves back one character", () => {
    expect(tailOf("abc\b\bX\n")).toEqual(["aXc"]);
    expect(tailOf("\b\bok")).toEqual(["ok"]);
    expect(tailOf("a😀\bb")).toEqual(["ab"]);
  });

  test("tabs are kept, other control characters dropped", () => {
    expect(tailOf("a\tb\x00\x01\x07\x7fc\n")).toEqual(["a\tbc"]);
  });

  test("version grows with every push that brings bytes", () => {
    const tail = new TailBuffer();
    expect(tail.version).toBe(0);
    tail.push(enc.encode("x"));
    tail.push(new Uint8Array(0));
    const seen = tail.version;
    expect(seen).toBe(1);
    tail.push(enc.encode("y"));
    expect(tail.version).not.toBe(seen);
  });
});

describe("TailBuffer escape sequences", () => {
  test("colours and other CSI sequences are stripped", () => {
    expect(tailOf("\x1b[1;31mERROR\x1b[0m plain \x1b[38;5;208morange\x1b[m\n")).toEqual(["ERROR plain orange"]);
    expect(tailOf("\x1b[?25lhidden cursor\x1b[?25h\x1b[2A\x1b[10;20H\n")).toEqual(["hidden cursor"]);
  });

  test("erase in line: ESC[K clears to the end, ESC[2K the whole line", () => {
    expect(tailOf("a long old line\r\x1b[Kshort\n")).toEqual(["short"]);
    expect(tailOf("old text\x1b[2K\rnew\n")).toEqual(["new"]);
    // ESC[1K blanks from the start to the cursor, inclusive.
    expect(tailOf("abcdef\rXY\x1b[1K\n")).toEqual(["   def"]);
  });

  test("OSC sequences (titles, hyperlinks) end at BEL or ST", () => {
    expect(tailOf("\x1b]0;my title\x07visible\n")).toEqual(["visible"]);
    expect(tailOf("\x1b]2;title\x1b\\after\n")).toEqual(["after"]);
    expect(tailOf("\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ text\n")).toEqual(["link text"]);
    expect(tailOf("\x1bP1$r0m\x1b\\dcs gone\n")).toEqual(["dcs gone"]);
  });

  test("an unterminated sequence does not swallow the following lines", () => {
    expect(tailOf("\x1b]0;no end\nnext line\n")).toEqual(["", "next line"]);
  });

  test("other ESC sequences (charset, keypad, save cursor) are stripped", () => {
    expect(tailOf("\x1b(Babc\x1b=\x1b7def\x1b8\n")).toEqual(["abcdef"]);
  });

  test("sequences split across chunks", () => {
    const input = bytes("\x1b[31mred\x1b[0m \x1b]0;t\x07ok\n");
    expect(tailBytewise(input)).toEqual(["red ok"]);
  });
});

describe("TailBuffer UTF-8", () => {
  test("characters split across chunks decode correctly", () => {
    const input = bytes("é ü € 😀 日本\n");
    expect(tailBytewise(input)).toEqual(["é ü € 😀 日本"]);
  });

  test("invalid bytes become U+FFFD, like TextDecoder", () => {
    expect(tailOf(bytes("a", [0xff], "b", [0xc3], "c", [0xe2, 0x82], "\n"))).toEqual(["a\ufffdb\ufffdc\ufffd"]);
    expect(tailOf(bytes([0xed, 0xa0, 0x80], "|", [0xf4, 0x90, 0x80, 0x80], "|", [0xc0, 0xaf], "\n"))).toEqual([
      new TextDecoder().decode(bytes([0xed, 0xa0, 0x80], "|", [0xf4, 0x90, 0x80, 0x80], "|", [0xc0, 0xaf])),
    ]);
  });

  test("agrees with TextDecoder on random bytes, whole or byte by byte", () => {
    for (let round = 0; round < 200; round++) {
      const input = new Uint8Array(41);
      crypto.getRandomValues(input);
      // Only printable ASCII and high bytes (control bytes are the terminal's
      // business), and a newline to end a sequence left open.
      for (let i = 0; i < input.length; i++) if (input[i]! < 0x80) input[i] = 0x20 + (input[i]! % 0x5f);
      input[40] = 0x0a;
      // C1 controls are dropped, and blanks at the end of a line are not shown.
      const expected = new TextDecoder()
        .decode(input.subarray(0, 40))
        .replace(/[\x80-\x9f]/g, "")
        .replace(/ +$/, "");
      const want = expected === "" ? [] : [expected];
      expect(tailOf(input, { maxLineLength: 1000 })).toEqual(want);
      expect(tailBytewise(input, { maxLineLength: 1000 })).toEqual(want);
    }
  });
});

describe("TailBuffer bounds", () => {
  test("a long line shows its end, cut at the front with a marker", () => {
    const [line] = tailOf(`${"x".repeat(2000)}END\n`, { maxLineLength: 100 });
    expect(line).toBe(`…${"x".repeat(97)}END`);
    expect(tailOf("short\n", { maxLineLength: 100 })).toEqual(["short"]);
    expect(tailOf(`${"y".repeat(100)}\n`, { maxLineLength: 100 })).toEqual(["y".repeat(100)]);
  });

  test("a long line overwritten after a carriage return shows the end of what it holds now", () => {
    expect(tailOf(`${"x".repeat(50)}\r${"y".repeat(45)}\n`, { maxLineLength: 10 })).toEqual(["…yyyyyxxxxx"]);
    expect(tailOf(`${"x".repeat(50)}\rabc\x1b[K\n`, { maxLineLength: 10 })).toEqual(["abc"]);
    // Rewritten past the first columns, then erased: the middle was never kept, the start is shown.
    expect(tailOf(`${"x".repeat(50)}\r${"y".repeat(12)}\x1b[K\n`, { maxLineLength: 10 })).toEqual(["yyyyyyyyyy…"]);
    expect(tailOf(`${"x".repeat(50)}\x1b[45GY`, { maxLineLength: 10 })).toEqual(["…xxxxYxxxxx"]);
  });

  test("a line growing without newline shows its newest part, push after push", () => {
    const tail = new TailBuffer({ maxLineLength: 40 });
    tail.push(enc.encode("epoch 1 "));
    for (let i = 1; i <= 300; i++) {
      tail.push(enc.encode(`${i}% `));
      const [line] = tail.lines();
      expect(line!.endsWith(` ${i}%`)).toBe(true);
      expect(line!.length).toBeLessThanOrEqual(41);
    }
    const line = `epoch 1 ${Array.from({ length: 300 }, (_, i) => `${i + 1}% `).join("")}`;
    expect(tail.lines()).toEqual([`…${line.slice(-40).trimEnd()}`]);
  });

  test("a huge line rewritten after a carriage return shows the end of both, as a terminal would", () => {
    const opts = { maxLineLength: 100 };
    const a = "a".repeat(1 << 20);
    expect(tailOf(`${a}\r${"b".repeat((1 << 20) - 5)}`, opts)).toEqual([`…${"b".repeat(95)}aaaaa`]);
    expect(tailOf(`${a}\r${"b".repeat(3 << 19)}`, opts)).toEqual([`…${"b".repeat(100)}`]);
    expect(tailOf(`${a}\rshort\x1b[K`, opts)).toEqual(["short"]);
    const e = "é".repeat(5000);
    expect(tailOf(`${e}fin\n`, opts)).toEqual([`…${"é".repeat(97)}fin`]);
    expect(tailBytewise(`${e}fin\n`, opts)).toEqual([`…${"é".repeat(97)}fin`]);
  });

  test("an astral character is never split by the cut", () => {
    expect(tailOf(`${"a".repeat(9)}😀\n`, { maxLineLength: 10 })).toEqual([`…${"a".repeat(8)}😀`]);
    expect(tailOf(`😀${"a".repeat(9)}\n`, { maxLineLength: 10 })).toEqual([`…${"a".repeat(9)}`]);
  });

  test("a 1 GiB line without newline keeps memory flat", () => {
    const tail = new TailBuffer();
    const chunk = new Uint8Array(1 << 20).fill(0x61);
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 1024; i++) tail.push(chunk);
    Bun.gc(true);
    expect(process.memoryUsage().rss - before).toBeLessThan(16 << 20);
    expect(tail.lines()).toEqual([`…${"a".repeat(500)}`]);
  });

  test("skipping the invisible part of a chunk gives the same lines as feeding it all", () => {
    const parts: string[] = [];
    for (let i = 0; i < 5000; i++) {
      parts.push(
        `row ${i} \x1b[3${i % 8}mcolour\x1b[0m`,
        i % 7 === 0 ? "\r" : "",
        "é€😀".slice(0, i % 4),
        i % 3 ? "\n" : "\r\n",
      );
    }
    const input = enc.encode(parts.join(""));
    const whole = tailOf(input, { lines: 5 });
    expect(tailBytewise(input, { lines: 5 })).toEqual(whole);
    for (const size of [777, 5000, 70000]) {
      const chunked = new TailBuffer({ lines: 5 });
      for (let i = 0; i < input.length; i += size) chunked.push(input.subarray(i, i + size));
      expect(chunked.lines()).toEqual(whole);
    }
    expect(whole).toHaveLength(5);
  });

  test("lines asked for between pushes see everything pushed so far", () => {
    const tail = new TailBuffer({ lines: 2 });
    const long = `${"z".repeat(100000)}\n`;
    for (let i = 0; i < 50; i++) {
      tail.push(enc.encode(`step ${i}\n`));
      if (i % 7 === 0) tail.push(enc.encode(long));
      expect(tail.lines().at(-1)).toBe(i % 7 === 0 ? `…${"z".repeat(500)}` : `step ${i}`);
    }
  });
});
