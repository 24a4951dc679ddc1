/**
 * Small edits of an address's text, on every send's way: loops and string methods, since a
 * pattern is compiled to machine code at its first use (~35 us each, measured).
 */

/** `https://chat.example.org//` → `https://chat.example.org`. */
export function withoutTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === "/") end--;
  return text.slice(0, end);
}

/** `scheme://` at the start; a text without `://` is not matched against the pattern at all. */
export const hasScheme = (raw: string): boolean => raw.includes("://") && /^[a-z][a-z0-9+.-]*:\/\//i.test(raw);
