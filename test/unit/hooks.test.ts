import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatHook, parseHook, readHookFile, validateId } from "../../src/hooks/hook-file.ts";
import { DirectoryHookStore, defaultHookDir, UsageError } from "../../src/index.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "mmn-hooks-"));
/** Mattermost ids: 26 lower-case letters and digits. */
const id26 = (seed: string) => seed.padEnd(26, "0");
const C = id26("c1");
const P = id26("p1");
const R = id26("r1");

describe("hook file format", () => {
  test("writes the seed's four lines with no trailing newline", () => {
    expect(formatHook({ id: "job-1", channelId: C, postId: P })).toBe(
      `[Mattermost-Notify Message Hook]\njob-1\n${C}\n${P}`,
    );
  });

  test("adds one JSON line with what the seed lacks, and reads it back", () => {
    const hook = {
      id: "job-1",
      channelId: C,
      postId: P,
      server: "https://x",
      rootId: R,
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    const text = formatHook(hook);
    expect(text.split("\n")).toHaveLength(5);
    expect(JSON.parse(text.split("\n")[4]!)).toEqual({
      server: "https://x",
      root_id: R,
      created_at: "2026-01-01T00:00:00.000Z",
    });
    expect(parseHook(text, "f")).toEqual(hook);
  });

  test("reads a seed file with CRLF, a trailing newline and junk after line 4", () => {
    const hook = parseHook(`[Mattermost-Notify Message Hook]\r\njob-1\r\n${C}\r\n${P}\r\nnot json\r\n`, "f");
    expect(hook).toEqual({ id: "job-1", channelId: C, postId: P });
  });

  test("rejects a hook file with 3 lines", () => {
    expect(() => parseHook("[Mattermost-Notify Message Hook]\njob-1\nc1", "x.msg")).toThrow(
      /not a complete message hook/,
    );
  });

  test("rejects channel and post ids that are no Mattermost ids (a line break would add lines, escapes reach the terminal)", () => {
    expect(() => parseHook(`[Mattermost-Notify Message Hook]\njob-1\n${C}\n\x1b[2J`, "x.msg")).toThrow(
      /not a complete message hook/,
    );
    expect(() => parseHook(`[Mattermost-Notify Message Hook]\njob-1\nchannel\n${P}`, "x.msg")).toThrow(
      /not a complete message hook/,
    );
  });

  test("rejects a file that is not a hook", () => {
    expect(() => parseHook("URL=https://x\nTOKEN=y", "x.msg")).toThrow(UsageError);
  });

  test("a missing hook file is a usage error naming the file", async () => {
    await expect(readHookFile("/nonexistent/x.msg")).rejects.toThrow(
      /cannot read hook file \/nonexistent\/x.msg: no such file or directory/,
    );
  });
});

describe("ids", () => {
  for (const bad of ["../x", "a/b", "a\\b", "..", ".hidden", "", "a\u0000b", "tab\there", "x".repeat(201)]) {
    test(`rejects ${JSON.stringify(bad).slice(0, 30)}`, () => {
      expect(() => validateId(bad)).toThrow(UsageError);
    });
  }
  for (const good of ["train-42", "job.123", "ünïcode", "x".repeat(200), "a b"]) {
    test(`accepts ${good.slice(0, 20)}`, () => expect(validateId(good)).toBe(good));
  }
});

describe("DirectoryHookStore", () => {
  test("stores one file per id, mode 0600, in the seed's format", async () => {
    const dir = join(tmp(), "hooks");
    const store = new DirectoryHookStore(dir);
    await store.set({ id: "a", channelId: C, postId: P });
    expect(readFileSync(join(dir, "a.msg"), "utf8")).toBe(`[Mattermost-Notify Message Hook]\na\n${C}\n${P}`);
    expect(statSync(join(dir, "a.msg")).mode & 0o777).toBe(0o600);
    expect(await store.get("a")).toEqual({ id: "a", channelId: C, postId: P });
    expect(await store.get("b")).toBeUndefined();
    expect((await store.list()).map((h) => h.id)).toEqual(["a"]);
    expect(await store.delete("a")).toBe(true);
    expect(await store.delete("a")).toBe(false);
  });

  test("two writers of one id never leave a torn file", async () => {
    const store = new DirectoryHookStore(tmp());
    const writes = Array.from({ length: 50 }, (_, i) =>
      store.set({ id: "same", channelId: id26(`c${i}`), postId: id26(`p${i}`) }),
    );
    const reads = Array.from({ length: 50 }, () => store.get("same").catch((e: unknown) => e));
    const results = await Promise.all([...writes, ...reads]);
    for (const r of results.slice(50)) expect(r === undefined || (r as { id: string }).id === "same").toBe(true);
    const final = await store.get("same");
    expect(final?.channelId).toMatch(/^c\d+0+$/);
  });

  test("a broken file in the store does not hide the others", async () => {
    const dir = tmp();
    const store = new DirectoryHookStore(dir);
    await store.set({ id: "good", channelId: C, postId: P });
    writeFileSync(join(dir, "bad.msg"), "garbage");
    expect((await store.list()).map((h) => h.id)).toEqual(["good"]);
  });

  test("a file copied in under another name than its id is found by its name, as listed", async () => {
    const dir = tmp();
    const store = new DirectoryHookStore(dir);
    writeFileSync(join(dir, "copied.msg"), `[Mattermost-Notify Message Hook]\nother\n${C}\n${P}`);
    expect((await store.list()).map((h) => h.id)).toEqual(["copied"]);
    expect(await store.get("copied")).toEqual({ id: "copied", channelId: C, postId: P });
    expect(await store.get("other")).toBeUndefined();
  });

  test("refuses ids that would escape the directory", async () => {
    const store = new DirectoryHookStore(tmp());
    await expect(store.set({ id: "../x", channelId: C, postId: P })).rejects.toThrow(UsageError);
    await expect(store.get("../../etc/passwd")).rejects.toThrow(UsageError);
  });
});

test("hook directory: MMN_HOOK_DIR, then XDG_STATE_HOME, then ~/.local/state", () => {
  expect(defaultHookDir({ MMN_HOOK_DIR: "/h" }, "/home/u")).toBe("/h");
  expect(defaultHookDir({ XDG_STATE_HOME: "/s" }, "/home/u")).toBe("/s/mmn/hooks");
  expect(defaultHookDir({}, "/home/u")).toBe("/home/u/.local/state/mmn/hooks");
});
