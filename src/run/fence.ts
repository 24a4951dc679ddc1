/**
 * A Markdown code block that no backtick run inside the text can close early: the
 * fence is one backtick longer than the longest run (CommonMark closes a fence only
 * with a run at least as long as the opening one).
 */
export function codeBlock(text: string, lang = ""): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${fence}${lang}\n${body}${fence}`;
}

/**
 * Inline code that a backtick inside cannot end early: delimited by a run longer than
 * any inside, with a space on each side, which CommonMark strips (and which keeps a
 * backtick at either end apart from the delimiters).
 */
export function inlineCode(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  if (longest === 0) return `\`${text}\``;
  const fence = "`".repeat(longest + 1);
  return `${fence} ${text} ${fence}`;
}
