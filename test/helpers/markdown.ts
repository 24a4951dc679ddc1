import type { Post } from "@mattermost/types/posts";

/**
 * What Markdown in a post would do beyond showing text, as Mattermost reads it: a line that
 * starts a heading or a quote (blocks are parsed before code spans, so a line break inside
 * one still starts a block), a link, an autolink, and an `@` that its server takes for a
 * mention wherever it stands (the server has its own, looser idea of where code ends).
 * Fenced blocks (the job's output) and code spans are left out of all but the mention.
 */
export function markdownHazards(text: string): string[] {
  const found: string[] = [];
  const mention = /(?:^|[^\p{L}\p{N}._-])@[\p{L}\p{N}._-]/u.exec(text);
  if (mention) found.push(`mention: ${mention[0]}`);
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (opener && opener[0] === fence[0] && opener.length >= fence.length) fence = undefined;
      continue;
    }
    if (opener) {
      fence = opener;
      continue;
    }
    if (/^ {0,3}(#{1,6}(\s|$)|>)/.test(line)) found.push(`block: ${line}`);
    const prose = withoutCodeSpans(line);
    if (/\]\(|\]\[|<[a-z]+:/i.test(prose)) found.push(`link: ${line}`);
    if (/[a-z][\w+.-]*:\/\/|www\./i.test(prose)) found.push(`autolink: ${line}`);
  }
  return found;
}

/** A code span is a backtick run closed by the next run of the same length (CommonMark). */
function withoutCodeSpans(line: string): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    const run = /^`+/.exec(line.slice(i))?.[0];
    if (!run) {
      out += line[i++];
      continue;
    }
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, "g");
    close.lastIndex = i + run.length;
    const end = close.exec(line);
    if (!end) {
      out += run;
      i += run.length;
      continue;
    }
    out += "CODE";
    i = end.index + run.length;
  }
  return out;
}

/** Every text of a post the server renders or looks for mentions in: the message and its card. */
export function postTexts(post: Post): string[] {
  type Card = { fallback?: string; pretext?: string; text?: string; fields?: Array<{ value: string }> };
  const cards = (post.props?.attachments ?? []) as Card[];
  return [
    post.message,
    ...cards.flatMap((c) => [c.fallback ?? "", c.pretext ?? "", c.text ?? "", ...(c.fields ?? []).map((f) => f.value)]),
  ];
}
