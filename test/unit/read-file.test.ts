import { describe, expect, test } from "bun:test";
import { chmodSync, lchownSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { errnoText } from "../../src/base/disk.ts";
import { readOwnFile, readSmallFile, readStateFile } from "../../src/base/read-file.ts";

const dir = mkdtempSync(join(tmpdir(), "mmn-read-"));
const file = (name: string, text: string, mode = 0o600) => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  return path;
};
const fifo = (name: string) => {
  const path = join(dir, name);
  expect(Bun.spawnSync(["mkfifo", path]).exitCode).toBe(0);
  return path;
};
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "read",
    (error: unknown) => errnoText(error),
  );
// Another user's file needs root to make; CI runs as root.
const asRoot = process.geteuid?.() === 0 ? test : test.skip;
const NOBODY = 65534;

describe("readSmallFile", () => {
  test("reads a file up to the bound, and refuses one past it without reading it whole", async () => {
    const path = file("small", "héllo\n");
    expect((await readSmallFile(path, { maxBytes: 7 })).text).toBe("héllo\n");
    expect(await refusal(readSmallFile(path, { maxBytes: 6 }))).toBe("larger than 6 bytes: is it the right file?");
  });

  test("a device is refused before it is read (/dev/zero would fill the memory)", async () => {
    expect(await refusal(readSmallFile("/dev/zero", { maxBytes: 1024, allowPipe: true }))).toBe("not a regular file");
  });

  test("a FIFO is refused without blocking, unless pipes are allowed; then it is read to its end", async () => {
    const path = fifo("fifo");
    expect(await refusal(readSmallFile(path, { maxBytes: 1024 }))).toBe("not a regular file");
    const writer = Bun.spawn(["sh", "-c", `printf 'url=x\\n' > '${path}'`]);
    expect((await readSmallFile(path, { maxBytes: 1024, allowPipe: true })).text).toBe("url=x\n");
    await writer.exited;
  });

  test("a missing file rejects with ENOENT", async () => {
    await expect(readSmallFile(join(dir, "missing"), { maxBytes: 10 })).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("readStateFile: the buffer is the file's size, not the bound", () => {
  // Issue 16, item 7: the bound was allocated whole (and zeroed), 1 MiB on every send for a
  // name cache of a few hundred bytes; a bound of 8 GiB could not be read at all.
  test("a small file under a bound far above it is read", async () => {
    expect((await readStateFile(file("tiny-state", "{}"), 8 * 1024 ** 3)).text).toBe("{}");
  });

  test("a pipe's text, past the first page, is read whole up to the bound and refused past it", async () => {
    const text = "0123456789abcdef".repeat(1000);
    const read = async (maxBytes: number) => {
      const path = fifo(`long-fifo-${maxBytes}`);
      const writer = Bun.spawn(["sh", "-c", `printf '%s' '${text}' > '${path}'`]);
      try {
        return await readSmallFile(path, { maxBytes, allowPipe: true }).then(
          (read) => read.text,
          (error: unknown) => errnoText(error),
        );
      } finally {
        await writer.exited;
      }
    };
    expect(await read(text.length)).toBe(text);
    expect(await read(text.length - 1)).toBe(`larger than ${text.length - 1} bytes: is it the right file?`);
  });
});

describe("readOwnFile: a file where another user may have put it", () => {
  test("ours and writable by nobody else: read, with its mode", async () => {
    const path = file("own", "url=x\n", 0o644);
    const read = await readOwnFile(path, { maxBytes: 100 });
    expect(read.text).toBe("url=x\n");
    expect(read.facts.mode & 0o777).toBe(0o644);
  });

  test("writable by the group or others: refused", async () => {
    expect(await refusal(readOwnFile(file("group-writable", "x", 0o664), { maxBytes: 100 }))).toBe(
      "writable by other users (mode 0664)",
    );
    expect(await refusal(readOwnFile(file("world-writable", "x", 0o606), { maxBytes: 100 }))).toBe(
      "writable by other users (mode 0606)",
    );
  });

  test("a FIFO is refused at once", async () => {
    expect(await refusal(readOwnFile(fifo("planted-fifo"), { maxBytes: 100 }))).toBe("not a regular file");
  });

  test("our own symlink to our own file is followed", async () => {
    const target = file("target", "team=research\n");
    const link = join(dir, "own-link");
    symlinkSync(target, link);
    expect((await readOwnFile(link, { maxBytes: 100 })).text).toBe("team=research\n");
  });

  asRoot("another user's file, or another user's symlink to ours: refused", async () => {
    const theirs = file("theirs", "url=http://evil\n");
    lchownSync(theirs, NOBODY, NOBODY);
    expect(await refusal(readOwnFile(theirs, { maxBytes: 100 }))).toBe(`owned by another user (uid ${NOBODY})`);
    const link = join(dir, "their-link");
    symlinkSync(file("mine", "url=x\n"), link);
    lchownSync(link, NOBODY, NOBODY);
    expect(await refusal(readOwnFile(link, { maxBytes: 100 }))).toBe(`a symlink owned by another user (uid ${NOBODY})`);
  });
});

describe("readStateFile: by name in a directory only we can write, through a descriptor elsewhere", () => {
  const stateDir = (mode: number) => {
    const path = mkdtempSync(join(dir, "state-"));
    chmodSync(path, mode);
    return path;
  };

  test("in our own directory: the file's text and facts", async () => {
    const path = join(stateDir(0o700), "names.json");
    writeFileSync(path, '{"a":"b"}', { mode: 0o600 });
    const { text, facts } = await readStateFile(path, 1024, { byNameInOwnDir: true });
    expect(text).toBe('{"a":"b"}');
    expect(facts).toMatchObject({ uid: process.geteuid?.(), mode: expect.any(Number), ino: expect.any(Number) });
    expect(await refusal(readStateFile(join(dirname(path), "missing"), 1024, { byNameInOwnDir: true }))).toBe(
      "no such file or directory",
    );
  });

  test("in a directory the group may write: a link or a FIFO put there is refused, not followed or waited on", async () => {
    const shared = stateDir(0o770);
    const target = join(shared, "target.json");
    writeFileSync(target, "{}", { mode: 0o600 });
    symlinkSync(target, join(shared, "names.json"));
    expect(await refusal(readStateFile(join(shared, "names.json"), 1024, { byNameInOwnDir: true }))).toBe(
      "a symlink where none may be",
    );
    expect(Bun.spawnSync(["mkfifo", join(shared, "lock")]).exitCode).toBe(0);
    expect(await refusal(readStateFile(join(shared, "lock"), 1024, { byNameInOwnDir: true }))).toBe(
      "not a regular file",
    );
  });

  test("unasked, a link is refused in our own directory too: hooks, locks and runs never go through one", async () => {
    const own = stateDir(0o700);
    writeFileSync(join(own, "target.json"), "{}", { mode: 0o600 });
    symlinkSync(join(own, "target.json"), join(own, "x.msg"));
    expect(await refusal(readStateFile(join(own, "x.msg"), 1024))).toBe("a symlink where none may be");
    expect((await readStateFile(join(own, "x.msg"), 1024, { byNameInOwnDir: true })).text).toBe("{}");
  });

  test("in the home directory (read beside the look at its directory): the same text, and the same refusals", async () => {
    const home = process.env.HOME;
    process.env.HOME = dir;
    try {
      const path = join(stateDir(0o700), "names.json");
      writeFileSync(path, '{"in":"home"}', { mode: 0o600 });
      expect((await readStateFile(path, 1024, { byNameInOwnDir: true })).text).toBe('{"in":"home"}');
      const shared = stateDir(0o770);
      writeFileSync(join(shared, "target.json"), "{}", { mode: 0o600 });
      symlinkSync(join(shared, "target.json"), join(shared, "names.json"));
      expect(await refusal(readStateFile(join(shared, "names.json"), 1024, { byNameInOwnDir: true }))).toBe(
        "a symlink where none may be",
      );
    } finally {
      process.env.HOME = home;
    }
  });

  test("our own file, writable by the group, is refused in our own directory too", async () => {
    const path = join(stateDir(0o700), "names.json");
    writeFileSync(path, "{}");
    chmodSync(path, 0o660);
    expect(await refusal(readStateFile(path, 1024, { byNameInOwnDir: true }))).toStartWith("writable by");
  });
});
