import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { missingInterpreter, resolveCommand } from "../../../src/run/process/command.ts";

const dir = mkdtempSync(join(tmpdir(), "mmn-command-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, "bin");
const other = join(dir, "other");
mkdirSync(bin);
mkdirSync(other);
writeFileSync(join(bin, "tool"), "#!/bin/sh\n", { mode: 0o755 });
writeFileSync(join(bin, "plain"), "data\n", { mode: 0o644 });
writeFileSync(join(other, "plain"), "#!/bin/sh\n", { mode: 0o755 });
mkdirSync(join(bin, "adir"));

test("found in PATH", () => {
  expect(resolveCommand("tool", `${other}:${bin}`, dir)).toEqual({ path: join(bin, "tool") });
  expect(resolveCommand("plain", `${bin}:${other}`, dir)).toEqual({ path: join(other, "plain") });
});

test("not found: 127", () => {
  expect(resolveCommand("nope", bin, dir)).toEqual({ code: 127, error: "command not found: nope" });
  expect(resolveCommand("./nope", bin, dir)).toEqual({ code: 127, error: "no such file: ./nope" });
  expect(resolveCommand("", bin, dir)).toMatchObject({ code: 127 });
});

test("a path is not searched, and is relative to the working directory", () => {
  expect(resolveCommand("bin/tool", "/nonexistent", dir)).toEqual({ path: join(bin, "tool") });
  expect(resolveCommand("tool", "", bin)).toEqual({ path: join(bin, "tool") });
});

test("a directory: 126", () => {
  expect(resolveCommand("bin/adir", bin, dir)).toEqual({ code: 126, error: "is a directory: bin/adir" });
  expect(resolveCommand("adir", bin, dir)).toEqual({ code: 127, error: "command not found: adir" });
});

test("not executable: 126", () => {
  chmodSync(join(other, "plain"), 0o644);
  expect(resolveCommand("plain", `${bin}:${other}`, dir)).toEqual({
    code: 126,
    error: `permission denied: ${join(bin, "plain")}`,
  });
  expect(resolveCommand("bin/plain", bin, dir)).toEqual({ code: 126, error: "permission denied: bin/plain" });
});

test("the program a script's #! line names, a carriage return shown as ^M; none without one", () => {
  writeFileSync(join(dir, "interp"), "#! /opt/py/bin/python3 -u\nprint(1)\n");
  writeFileSync(join(dir, "crlf"), "#!/bin/bash\r\n");
  expect(missingInterpreter(join(dir, "interp"))).toBe("/opt/py/bin/python3");
  expect(missingInterpreter(join(dir, "crlf"))).toBe("/bin/bash^M");
  expect(missingInterpreter(join(bin, "plain"))).toBeUndefined();
  expect(missingInterpreter(join(dir, "missing"))).toBeUndefined();
});
