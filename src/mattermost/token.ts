import { ConfigError } from "../base/errors.ts";

/**
 * A token as an Authorization header carries it: visible ASCII only (Mattermost's are 26
 * letters and digits). One that holds anything else was copied with something that is not
 * part of it (a zero-width space from a web page, a non-breaking space from a chat), and no
 * server can take it: a ConfigError that says where, before any request, never a network
 * failure tried again. `source` names where it came from; the token itself is never shown.
 */
export function checkToken(token: string, source = "the token"): void {
  // Every send checks its token: a loop, not a pattern compiled to machine code at its first use.
  if (visibleAscii(token)) return;
  // Blanks around it are the header's to drop, as fetch does.
  const core = token.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
  const bad = /[^\x21-\x7e]/u.exec(core);
  if (!bad) return;
  const code = bad[0].codePointAt(0) ?? 0;
  const what = /[\p{Cf}\p{Cc}\p{Z}]/u.test(bad[0]) ? "an invisible character" : "a character outside ASCII";
  const position = [...core.slice(0, bad.index)].length + 1;
  throw new ConfigError(
    `${source} holds ${what} (U+${code.toString(16).toUpperCase().padStart(4, "0")}) at position ${position}, which no token has`,
    { hint: "copy the token again, as plain text (Integrations → Bot Accounts)" },
  );
}

function visibleAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}
