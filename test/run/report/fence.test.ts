import { expect, test } from "bun:test";
import { codeBlock, literal } from "../../../src/run/report/fence.ts";
import { markdownHazards } from "../../helpers/markdown.ts";

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

test("literal: a plain word stays plain; anything else is inline code on one line, with no mention", () => {
  expect(literal("node07")).toBe("node07");
  expect(literal("train.py")).toBe("train.py");
  expect(literal("12345_7")).toBe("12345_7");
  expect(literal("_x_")).toBe("`_x_`");
  expect(literal("www.example.org")).toBe("`www.example.org`");
  expect(literal("a`b\n@here\t\u202e\u200b")).toBe("`` a`b\\n@\u2060here\\t\\u202e\\u200b ``");
  expect(literal("x".repeat(300), 10)).toBe(`\`${"x".repeat(9)}…\``);
  for (const name of ["# h\n@all", "[a](https://x)", "``` @channel", "a\n> quote", "x@y.example"])
    expect(markdownHazards(`see ${literal(name)} now`)).toEqual([]);
  // The checker itself sees what an unescaped name would do.
  expect(markdownHazards("see x\n# h [a](https://x) @all")).toHaveLength(4);
});
