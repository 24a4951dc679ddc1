/** The longest run of backticks in the text: a delimiter must be longer to hold it. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/**
 * A Markdown code block that no backtick run inside the text can close early: the
 * fence is one backtick longer than the longest run (CommonMark closes a fence only
 * with a run at least as long as the opening one).
 */
export function codeBlock(text: string, lang = ""): string {
  const fence = "`".repeat(Math.max(3, longestBacktickRun(text) + 1));
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${fence}${lang}\n${body}${fence}`;
}

/**
 * Inline code that a backtick inside cannot end early: delimited by a run longer than
 * any inside, with a space on each side, which CommonMark strips (and which keeps a
 * backtick at either end apart from the delimiters).
 */
export function inlineCode(text: string): string {
  const longest = longestBacktickRun(text);
  if (longest === 0) return `\`${text}\``;
  const fence = "`".repeat(longest + 1);
  return `${fence} ${text} ${fence}`;
}

/**
 * Characters that would end a line, act on a terminal, or hide: controls, line and paragraph
 * separators, and Unicode's invisible format characters (bidi controls that show a name in
 * another order, zero-width spaces).
 */
const UNSHOWN = /[\x00-\x1f\x7f-\x9f\p{Zl}\p{Zp}\p{Cf}]/gu;
const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
/** An `@` that starts a word the server could take for a mention (`@channel`, `@alice`). */
const MENTION = /@(?=[\p{L}\p{N}._-])/gu;
/**
 * Words no Markdown of Mattermost's acts on, shown plain: "node07", "sweep", "train.py",
 * "12345_7", "9[3]". Inner `_` cannot open emphasis, `.` links only after `www.` or a scheme.
 */
const PLAIN = /^(?:\d[\d_.[\]]*|[\p{L}\p{N}](?:[\p{L}\p{N}_.-]*[\p{L}\p{N}])?)$/u;

/**
 * A name that came from the job or the machine (a file, a job name, a path, a host), shown
 * literally in a post. A plain word stays plain; anything else is inline code, the one form
 * in which Mattermost renders no heading, link, autolink, emoji, hashtag or ~channel (escaped
 * Markdown cannot stop its autolinks, and push notifications show the backslashes), with line
 * breaks and other controls as `\n`-style escapes, so the name stays on its line, and a word
 * joiner (U+2060, invisible) after an `@`, because the server looks for mentions with its own
 * idea of where code ends.
 */
export function literal(text: string, max = 200): string {
  const chars = [...text];
  const cut = chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
  if (PLAIN.test(cut) && !/^www\./i.test(cut)) return cut;
  const shown = cut
    .replace(UNSHOWN, (c) => ESCAPES[c] ?? `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`)
    .replace(MENTION, "@\u2060");
  return inlineCode(shown);
}
