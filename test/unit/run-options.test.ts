import { describe, expect, test } from "bun:test";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/base/errors.ts";
import {
  attachGlobs,
  audience,
  checkLog,
  configSettings,
  DEFAULTS,
  flagSettings,
  parseSetting,
  runId,
} from "../../src/cli/run-options.ts";
import type { LoadedConfig } from "../../src/config/config.ts";

const loaded = (config: LoadedConfig["config"], file = "/home/u/.mmnrc"): LoadedConfig => ({
  config,
  sources: Object.fromEntries(Object.keys(config).map((key) => [key, file])),
  files: [file],
  warnings: [],
});

describe("settings", () => {
  test("each setting's bounds", () => {
    expect(parseSetting("interval", "1")).toEqual({ value: 1 });
    expect(parseSetting("interval", "0.5")).toEqual({ error: "must be a number ≥ 1" });
    expect(parseSetting("interval", "86401")).toEqual({ error: "must be at most 86400 (one day)" });
    expect(parseSetting("tail", "12.7")).toEqual({ value: 12 });
    expect(parseSetting("tail", "1001")).toEqual({ error: "must be at most 1000 (more do not fit in one post)" });
    expect(parseSetting("tail", "")).toEqual({ error: "must be a number ≥ 0" });
    expect(parseSetting("on", "failure")).toMatchObject({ value: { text: "failure" } });
    expect(parseSetting("on", "end,nevr-runs")).toEqual({
      error:
        'takes begin, end, fail, requeue, time-limit-50, time-limit-80, time-limit-90, never-runs, array-digest, array-tasks, or always, failure, all, none: not "nevr-runs" (did you mean never-runs?)',
    });
  });

  test("a bad flag is refused; a bad configured value is a warning naming the file, and the default", () => {
    expect(() => flagSettings({ interval: "0.1" })).toThrow(
      new UsageError('--interval must be a number ≥ 1, not "0.1"'),
    );
    const warnings: string[] = [];
    const settings = configSettings(loaded({ interval: "fast", tail: "20" }), {}, (w) => warnings.push(w));
    expect(settings).toEqual({ ...DEFAULTS, tail: 20 });
    expect(warnings).toEqual(["interval=fast in /home/u/.mmnrc must be a number ≥ 1: using 30"]);
  });

  test("flags win over the configuration, which is not even checked then", () => {
    const warnings: string[] = [];
    expect(
      configSettings(loaded({ interval: "fast" }), flagSettings({ interval: "60" }), (w) => warnings.push(w)).interval,
    ).toBe(60);
    expect(warnings).toEqual([]);
  });
});

describe("audience", () => {
  const quiet = () => {};
  test("the recipient from -u/-c, else the configuration; whom the reply mentions", () => {
    expect(audience({}, undefined, { user: "alice" }, quiet)).toEqual({
      recipient: { user: "alice" },
      mention: undefined,
    });
    expect(audience({}, true, { user: "alice" }, quiet)).toEqual({ recipient: { user: "alice" }, mention: "alice" });
    expect(audience({ user: "bob" }, true, { user: "alice" }, quiet)).toEqual({
      recipient: { user: "bob" },
      mention: "bob",
    });
    expect(audience({ channel: "ops" }, "@carol", { user: "alice" }, quiet)).toEqual({
      recipient: { channel: "ops" },
      mention: "carol",
    });
    expect(audience({}, undefined, { channel: "ops", mention: "dave" }, quiet)).toEqual({
      recipient: { channel: "ops" },
      mention: "dave",
    });
  });

  test("a channel without anyone to mention is said: nobody would be notified", () => {
    const warnings: string[] = [];
    expect(audience({ channel: "ops" }, undefined, {}, (w) => warnings.push(w)).mention).toBeUndefined();
    expect(warnings).toEqual([
      "in ~ops the final reply notifies only people who follow its thread: --mention NAME (or mention= in the configuration) notifies someone",
    ]);
  });
});

describe("the log's file", () => {
  const dir = mkdtempSync(join(tmpdir(), "mmn-options-"));
  test("a file to write is made and resolved through our own symlink", async () => {
    const target = join(dir, "real.log");
    const link = join(dir, "latest.log");
    symlinkSync(target, link);
    expect(await checkLog(link, () => {})).toMatchObject({ path: target, isOutput: false, fd: expect.any(Number) });
  });

  test("the empty name, a directory, a device: refused", async () => {
    await expect(checkLog("", () => {})).rejects.toThrow("--log needs a file name");
    await expect(checkLog(dir, () => {})).rejects.toThrow(`cannot write the log ${dir}: it is a directory`);
    await expect(checkLog("/dev/null", () => {})).rejects.toThrow(
      "cannot write the log /dev/null: it is not a regular file",
    );
  });

  test("no --log: nothing to check; an id is made up when none is given", async () => {
    expect(await checkLog(undefined, () => {})).toBeUndefined();
    expect(await runId(undefined)).toMatch(/^run-[\w-]+-\d{8}-\d{6}-[a-z0-9]{1,4}$/);
    await expect(runId("a/b")).rejects.toThrow(UsageError);
  });
});

test("--attach's globs replace attach= of the configuration, whose globs are separated by commas", () => {
  expect(attachGlobs([], "*.png, results/*.csv,")).toEqual(["*.png", "results/*.csv"]);
  expect(attachGlobs(["out/*"], "*.png")).toEqual(["out/*"]);
  expect(attachGlobs([], undefined)).toEqual([]);
});
