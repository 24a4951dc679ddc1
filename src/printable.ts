/** Escape sequences: CSI (colours, cursor, screen clear), OSC (window title, links) and the short ones. */
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]/g;
/** C0 and C1 control characters, DEL included: a terminal acts on them instead of showing them. */
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * Text that came from elsewhere (a server's error, a hook file another user wrote) as it may
 * reach a terminal: no escape sequence or control character, one line, at most `max`
 * characters. A hostile server's message could otherwise clear the screen, retitle the
 * window, or fill a job's stderr file.
 */
export function printable(text: string, max = 200): string {
  const line = text.replace(ESCAPES, "").replace(CONTROLS, " ").replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
