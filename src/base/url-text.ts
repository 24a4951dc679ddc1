/**
 * Small edits of an address's text, on every send's way: loops and string methods, since a
 * pattern is compiled to machine code at its first use (~35-50 us each, measured).
 */
import { isDigit, isLetter } from "./chars.ts";

/** `https://chat.example.org//` → `https://chat.example.org`. */
export function withoutTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === "/") end--;
  return text.slice(0, end);
}

/** `scheme://` at the start: a letter, then letters, digits, `+`, `.` or `-`. */
export function hasScheme(raw: string): boolean {
  const end = raw.indexOf("://");
  if (end < 1 || !isLetter(raw.charCodeAt(0))) return false;
  for (let i = 1; i < end; i++) {
    const c = raw.charCodeAt(i);
    if (!isLetter(c) && !isDigit(c) && !"+.-".includes(raw[i]!)) return false;
  }
  return true;
}
