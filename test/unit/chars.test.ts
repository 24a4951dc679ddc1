import { expect, test } from "bun:test";
import { lowerAlnum } from "../../src/base/chars.ts";
import { isId } from "../../src/base/ids.ts";
import { hasScheme } from "../../src/base/url-text.ts";

// The loops stand where patterns stood: each case is what the pattern answered.
test("an id is 26 lower-case letters and digits, and nothing else", () => {
  expect(isId("ebjbcwnq7uoqnhamoksznsws3d")).toBe(true);
  expect(isId("ebjbcwnq7uoqnhamoksznsws3")).toBe(false);
  expect(isId("ebjbcwnq7uoqnhamoksznsws3dd")).toBe(false);
  expect(isId("Ebjbcwnq7uoqnhamoksznsws3d")).toBe(false);
  expect(isId("ebjbcwnq7uoqnhamoksznsws3\n")).toBe(false);
  expect(isId("ebjbcwnq7uoqnhamok-znsws3d")).toBe(false);
  expect(isId(26)).toBe(false);
});

test("a name's characters: lower-case letters, digits and the ones allowed", () => {
  expect(lowerAlnum("alice.smith_2-x", "._-")).toBe(true);
  expect(lowerAlnum("alice.smith", "_-")).toBe(false);
  expect(lowerAlnum("Alice", "._-")).toBe(false);
  expect(lowerAlnum("alice smith", "._-")).toBe(false);
  expect(lowerAlnum("ålice", "._-")).toBe(false);
  expect(lowerAlnum("", "._-")).toBe(false);
});

test("a scheme is a letter, then letters, digits, + . or -, before ://", () => {
  expect(hasScheme("https://chat.example.org")).toBe(true);
  expect(hasScheme("HTTP://chat")).toBe(true);
  expect(hasScheme("svn+ssh.x-1://host")).toBe(true);
  expect(hasScheme("chat.example.org")).toBe(false);
  expect(hasScheme("://chat")).toBe(false);
  expect(hasScheme("1http://chat")).toBe(false);
  expect(hasScheme("a:b://chat")).toBe(false);
  expect(hasScheme("chat.example.org/x?u=https://y")).toBe(false);
});
