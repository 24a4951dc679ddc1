import { expect, test } from "bun:test";
import { runWaits } from "../../src/cli/run-timing.ts";

test("MMN_TEST_ARRAY_GATHER_MS=0 is no gathering; 0 or nothing for another timing is its default", () => {
  expect(runWaits({ MMN_TEST_ARRAY_GATHER_MS: "0" }).run(30).arrayGatherMs).toBe(0);
  expect(runWaits({ MMN_TEST_ARRAY_GATHER_MS: "" }).run(30).arrayGatherMs).toBe(1000);
  expect(runWaits({}).run(30).arrayGatherMs).toBe(1000);
  expect(runWaits({ MMN_TEST_INTERVAL_MS: "0" }).run(30).intervalMs).toBe(30_000);
  expect(runWaits({ MMN_TEST_INTERVAL_MS: "200" }).run(30).intervalMs).toBe(200);
  expect(runWaits({ MMN_TEST_REQUEST_TIMEOUT_MS: "-1" }).requestTimeoutMs).toBe(5000);
});

test("MMN_TEST_LATE_WARNING_MS shortens the second a time-limit mark past at the start waits", () => {
  expect(runWaits({}).run(30).lateWarningMs).toBe(1000);
  expect(runWaits({ MMN_TEST_LATE_WARNING_MS: "100" }).run(30).lateWarningMs).toBe(100);
  expect(runWaits({ MMN_TEST_LATE_WARNING_MS: "0" }).run(30).lateWarningMs).toBe(1000);
});
