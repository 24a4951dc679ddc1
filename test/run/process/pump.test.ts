import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileSink } from "bun";
import { LogFile } from "../../../src/run/process/logfile.ts";
import { ExitClock, pump } from "../../../src/run/process/pump.ts";
import { OutputSink } from "../../../src/run/process/sink.ts";
import { TailBuffer } from "../../../src/run/tail/tail.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** A sink that keeps a copy of what it was given, as a pipe's reader would have it. */
function copyingSink(): { sink: OutputSink; text: () => string } {
  const parts: Uint8Array[] = [];
  const writer = { write: (chunk: Uint8Array) => parts.push(chunk.slice()), flush: () => 0 };
  return {
    sink: new OutputSink(writer as unknown as FileSink),
    text: () => new TextDecoder().decode(Buffer.concat(parts)),
  };
}

/** A reader handing out the chunks given, as Bun's reader of a pipe does. */
function sourceOf(chunks: Uint8Array[]) {
  let next = 0;
  return {
    reader: {
      read: async () =>
        next < chunks.length ? { done: false as const, value: chunks[next++]! } : { done: true as const },
      cancel: async () => {},
    },
    release() {},
  };
}

test("each chunk's memory is given back once it is written, and the sink, the log and the tail have it all", async () => {
  const chunks = [bytes("one\ntwo\n"), bytes("three\n"), bytes("four")];
  const { sink, text } = copyingSink();
  const path = join(mkdtempSync(join(tmpdir(), "mmn-pump-")), "log");
  const log = LogFile.create(path, 1024);
  const tail = new TailBuffer({ lines: 3 });
  const copied = await pump({ source: sourceOf(chunks), sink, log, tail, exit: new ExitClock(), graceMs: 1000 });
  expect(copied).toBe(18);
  expect(text()).toBe("one\ntwo\nthree\nfour");
  log.close();
  expect(readFileSync(path, "utf8")).toBe("one\ntwo\nthree\nfour");
  expect(tail.lines()).toEqual(["two", "three", "four"]);
  // Released: not left for the garbage collector, which lags behind a fast command by tens of MiB.
  for (const chunk of chunks) expect(chunk.buffer.byteLength).toBe(0);
});

test("a chunk that is a view into a larger buffer is left alone: the buffer may be someone else's", async () => {
  const shared = bytes("abcdef\n");
  const view = shared.subarray(0, 3);
  const { sink, text } = copyingSink();
  await pump({ source: sourceOf([view]), sink, exit: new ExitClock(), graceMs: 1000 });
  expect(text()).toBe("abc");
  expect(shared.byteLength).toBe(7);
  expect(new TextDecoder().decode(shared)).toBe("abcdef\n");
});
