import { expect, test } from "bun:test";
import { formatAgo, formatMemory, memoryPair } from "../../../src/run/report/amounts.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

test("memory as a person says it: 9.1 GiB, 200 MiB; a pair in the unit of the larger", () => {
  expect(formatMemory(9.1 * GIB)).toBe("9.1 GiB");
  expect(formatMemory(200 * MIB)).toBe("200 MiB");
  expect(formatMemory(64 * GIB)).toBe("64 GiB");
  expect(memoryPair(15.9 * GIB, 16 * GIB)).toBe("15.9 of 16 GiB");
  expect(memoryPair(190 * MIB, 200 * MIB)).toBe("190 of 200 MiB");
  expect(memoryPair(308 * MIB, 8 * GIB)).toBe("308 MiB of 8 GiB");
});

test("how long ago: seconds, then minutes, then hours and minutes", () => {
  expect(formatAgo(40_000)).toBe("40s");
  expect(formatAgo(5 * 60_000 + 10_000)).toBe("5m");
  expect(formatAgo(2 * 3600_000 + 5 * 60_000)).toBe("2h 05m");
});
