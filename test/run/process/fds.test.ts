import { expect, test } from "bun:test";
import { extraStdio } from "../../../src/run/process/fds.ts";

test("each inherited fd at its own number, the numbers between them closed", () => {
  expect(extraStdio([])).toEqual([]);
  expect(extraStdio([3])).toEqual([3]);
  expect(extraStdio([3, 5, 6])).toEqual([3, "ignore", 5, 6]);
  expect(extraStdio([9])).toEqual(["ignore", "ignore", "ignore", "ignore", "ignore", "ignore", 9]);
});
