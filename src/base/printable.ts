/** Escape sequences: CSI (colours, cursor, screen clear), OSC (window title, links) and the short ones. */
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]/g;
/** C0 and C1 control characters, DEL included: a terminal acts on them instead of showing them. */
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
/**
 * Invisible format characters (Unicode's Cf): the bidi controls (U+202A–202E, U+2066–2069,
 * U+200E/F, U+061C), which show a text in another order than it is read ("Trojan Source"), and
 * the zero-width ones (U+200B–200D, U+2060, U+FEFF), which hide what a text holds.
 */
const INVISIBLE = /\p{Cf}/gu;

/**
 * Text that came from elsewhere (a server's error, a hook file another user wrote) as it may
 * reach a terminal: no escape sequence, control or invisible format character, one line, at most `max`
 * characters. A hostile server's message could otherwise clear the screen, retitle the
 * window, or fill a job's stderr file.
 */
export function printable(text: string, max = 200): string {
  const line = text.replace(ESCAPES, "").replace(CONTROLS, " ").replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
