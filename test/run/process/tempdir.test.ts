import { afterAll, expect, test } from "bun:test";
import { lstatSync, mkdirSync } from "node:fs";
import { privateTempDir } from "../../../src/run/process/tempdir.ts";
import { scratch } from "../helpers.ts";

const tmp = scratch("tempdir");
afterAll(tmp.cleanup);

test("a new directory of mode 0700 in the first parent that takes one; each refused one says why", () => {
  const good = tmp.path("good");
  mkdirSync(good);
  const made = privateTempDir("x-", ["/nonexistent", good]);
  expect(made.refused).toEqual(["/nonexistent: ENOENT: no such file or directory"]);
  expect(made.path).toStartWith(`${good}/x-`);
  const stat = lstatSync(made.path!);
  expect(stat.isDirectory()).toBe(true);
  expect(stat.mode & 0o777).toBe(0o700);
});

test("none usable: no directory, and every reason", () => {
  expect(privateTempDir("x-", ["/nonexistent", "/nonexistent", "/dev/null"])).toEqual({
    refused: ["/nonexistent: ENOENT: no such file or directory", "/dev/null: not a directory"],
  });
});
