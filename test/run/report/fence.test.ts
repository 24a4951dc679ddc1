import { expect, test } from "bun:test";
import { codeBlock } from "../../../src/run/report/fence.ts";

test("plain text gets a three-backtick fence", () => {
  expect(codeBlock("hello")).toBe("```\nhello\n```");
  expect(codeBlock("hello\n", "text")).toBe("```text\nhello\n```");
});

test("the fence is longer than any backtick run inside", () => {
  expect(codeBlock("a ``` b")).toBe("````\na ``` b\n````");
  expect(codeBlock("`x` and ````` five")).toBe("``````\n`x` and ````` five\n``````");
  expect(codeBlock("``")).toBe("```\n``\n```");
});

test("a text ending in backticks cannot close the block early", () => {
  const block = codeBlock("output\n```");
  const fence = block.split("\n")[0]!;
  expect(fence).toBe("````");
  expect(block.endsWith(`\n${fence}`)).toBe(true);
});
