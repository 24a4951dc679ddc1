/**
 * Character classes checked by loops, not patterns: names and ids are checked on every send's
 * way, and a pattern is compiled to machine code at its first use (~35-50 us each, measured).
 */

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLower = (c: number): boolean => c >= 97 && c <= 122;
export const isLetter = (c: number): boolean => isLower(c) || (c >= 65 && c <= 90);

/** Whether every character is a lower-case ASCII letter, a digit or one of `also`; false for "". */
export function lowerAlnum(text: string, also = ""): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isLower(c) && !isDigit(c) && !also.includes(text[i]!)) return false;
  }
  return true;
}
