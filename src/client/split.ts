/** Mattermost's limit on a post's message, in runes (code points), not UTF-16 units. */
export const MAX_MESSAGE_RUNES = 16383;
/**
 * The longest message mmn sends, a few posts' worth: more is a file to attach, not a thread
 * of posts (5 MB of stdin became 307 of them).
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * The most posts the library makes of one message: a longer one goes as its first part with
 * the whole attached (a thread of hundreds of posts would notify each: 5 MB made 306).
 */
export const MAX_POSTS_PER_MESSAGE = 4;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Cut a message into pieces the server accepts, nothing lost: at a line break when one
 * is near the limit, never inside a character; a code block cut in two is closed at the
 * end of one piece and opened again at the start of the next, so both render as code.
 */
export function splitMessage(text: string, maxRunes = MAX_MESSAGE_RUNES): string[] {
  // No more UTF-16 units than the limit: no more runes either, and no array of them to make.
  if (text.length <= maxRunes) return [text];
  const runes = Array.from(text);
  if (runes.length <= maxRunes) return [text];
  const pieces: string[] = [];
  let reopen = "";
  let start = 0;
  while (start < runes.length) {
    // Room for a fence reopened at the start and one closed at the end.
    const budget = Math.max(maxRunes - 2 * (reopen.length + 16), 1);
    let end = Math.min(start + budget, runes.length);
    if (end < runes.length) end = lineBreakNear(runes, start, end);
    const body = reopen + runes.slice(start, end).join("");
    const open = openFence(body);
    pieces.push(open ? `${body.replace(/\n?$/, "\n")}${open}` : body);
    reopen = open ? `${open}\n` : "";
    start = end;
  }
  return pieces;
}

/** The last line break in the final fifth of the window, so a line is cut only when it must be. */
function lineBreakNear(runes: string[], start: number, end: number): number {
  const floor = end - Math.floor((end - start) / 5);
  for (let i = end - 1; i >= floor; i--) if (runes[i] === "\n") return i + 1;
  return end;
}

/** The fence that is still open at the end of the text, if any. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split("\n")) {
    const fence = FENCE.exec(line)?.[1];
    if (!fence) continue;
    if (open === undefined) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length && line.trim() === fence) open = undefined;
  }
  return open;
}
