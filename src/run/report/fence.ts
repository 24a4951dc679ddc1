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
