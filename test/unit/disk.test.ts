import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { baseName, exists, homeDir, isFile, joinPath, parentDir, resolvePath } from "../../src/base/disk.ts";

describe("paths agree with node:path on POSIX paths", () => {
  const paths = ["/", "/a", "/a/b", "/a/b/", "a", "a/b", "a//b/", "./a", "../a/b", ".mmnrc", "/a/b.c/d.msg"];
  test.each(paths)("parentDir and baseName of %p", (path) => {
    expect(parentDir(path)).toBe(dirname(path));
    expect(baseName(path)).toBe(basename(path));
  });
  test("joinPath and resolvePath", () => {
    expect(joinPath("/home/u", ".local", "state", "mmn", "names.json")).toBe(
      join("/home/u", ".local", "state", "mmn", "names.json"),
    );
    expect(joinPath("/home/u/", "/x")).toBe("/home/u/x");
    expect(joinPath("/", ".mmnrc")).toBe("/.mmnrc");
    expect(resolvePath("/work", "conf/mmnrc")).toBe(resolve("/work", "conf/mmnrc"));
    expect(resolvePath("/work", "/etc/mmnrc")).toBe("/etc/mmnrc");
  });
});

describe("files", () => {
  const dir = mkdtempSync(join(tmpdir(), "mmn-disk-"));
  const file = join(dir, "f.txt");
  writeFileSync(file, "héllo\n");
  chmodSync(file, 0o640);

  test("exists and isFile", async () => {
    expect(await exists(file)).toBe(true);
    expect(await exists(dir)).toBe(true);
    expect(await exists(join(dir, "missing"))).toBe(false);
    expect(await isFile(file)).toBe(true);
    expect(await isFile(dir)).toBe(false);
    expect(await isFile(join(dir, "missing"))).toBe(false);
  });

  test("homeDir is $HOME", () => {
    expect(homeDir()).toBe(process.env.HOME!);
  });
});
