import { expect, test } from "bun:test";
import { MAX_MESSAGE_RUNES, splitMessage } from "../../src/client/split.ts";

const runes = (s: string) => Array.from(s).length;

test("a message within the limit is one piece, unchanged", () => {
  const text = "x".repeat(MAX_MESSAGE_RUNES);
  expect(splitMessage(text)).toEqual([text]);
});

test("the limit counts code points, not UTF-16 units", () => {
  const text = "😀".repeat(MAX_MESSAGE_RUNES);
  expect(text.length).toBe(2 * MAX_MESSAGE_RUNES);
  expect(splitMessage(text)).toEqual([text]);
});

test("a long message is cut at line breaks and nothing is lost", () => {
  const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${"y".repeat(i % 17)}`);
  const text = lines.join("\n");
  const pieces = splitMessage(text, 5000);
  expect(pieces.length).toBeGreaterThan(1);
  for (const piece of pieces) expect(runes(piece)).toBeLessThanOrEqual(5000);
  expect(pieces.join("")).toBe(text);
  for (const piece of pieces.slice(0, -1)) expect(piece.endsWith("\n")).toBe(true);
});

test("one huge line is cut anyway, never inside a surrogate pair", () => {
  const text = "é😀".repeat(20000);
  const pieces = splitMessage(text, 1000);
  for (const piece of pieces) {
    expect(runes(piece)).toBeLessThanOrEqual(1000);
    expect(piece).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  }
  expect(pieces.join("")).toBe(text);
});

test("a code block cut in two is closed and reopened", () => {
  const code = Array.from({ length: 400 }, (_, i) => `print(${i})`).join("\n");
  const text = `Output:\n\`\`\`\`\n${code}\n\`\`\`\`\ndone`;
  const pieces = splitMessage(text, 1000);
  expect(pieces.length).toBeGreaterThan(2);
  for (const piece of pieces) {
    expect(runes(piece)).toBeLessThanOrEqual(1000);
    const fences = piece.split("\n").filter((l) => l === "````").length;
    expect(fences % 2).toBe(0);
  }
  const withoutFences = (s: string) =>
    s
      .split("\n")
      .filter((l) => l !== "````")
      .join("\n");
  expect(withoutFences(pieces.join("\n"))).toBe(withoutFences(text));
});
