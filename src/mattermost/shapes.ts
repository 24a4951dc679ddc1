import { isId } from "../base/ids.ts";

/**
 * What a successful answer must look like before mmn acts on it. A proxy's login page, a
 * `{}` or a `null` with a 2xx status is no post: counted as sent it would print "sent (post
 * undefined)" and write a hook of empty lines; an id holding a line break would add lines
 * to a hook file. Only the fields mmn uses are checked.
 */

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export type Shape = (value: unknown) => string | undefined;

/** Why the value is not what `what` should be, or undefined when it is. */
const withIds =
  (what: string, ...fields: string[]): Shape =>
  (value) => {
    if (!isObject(value)) return `not ${what}`;
    // A loop, not find: every send checks a post (README: Development, issue 16's fourth pass).
    for (const field of fields) if (!isId(value[field])) return `${what} without a valid ${field}`;
    return undefined;
  };

export const POST: Shape = withIds("a post", "id", "channel_id");
export const CHANNEL: Shape = withIds("a channel", "id");
/** Names as the server allows them: they are shown, so nothing a terminal would act on. */
const named =
  (what: string, field: string, pattern: RegExp): Shape =>
  (value) =>
    withIds(what, "id")(value) ??
    (pattern.test(String((value as Record<string, unknown>)[field])) ? undefined : `${what} without a valid ${field}`);
export const USER: Shape = named("a user", "username", /^[a-z0-9._-]{1,64}$/);
export const TEAM: Shape = named("a team", "name", /^[a-z0-9_-]{1,64}$/);
export const TEAMS: Shape = (value) =>
  Array.isArray(value) ? value.map(TEAM).find((why) => why !== undefined) : "not a list of teams";
export const OBJECT: Shape = (value) => (isObject(value) ? undefined : "not a JSON object");
/** One file id per file sent: more would be attached to posts of their own, fewer leave it unknown which is which. */
export const uploadOf =
  (count: number): Shape =>
  (value) => {
    if (!isObject(value) || !Array.isArray(value.file_infos)) return "not an upload's answer";
    if (!value.file_infos.every((info) => isObject(info) && isId(info.id))) return "a file without a valid id";
    const got = value.file_infos.length;
    return got === count ? undefined : `${got} file ids for ${count} ${count === 1 ? "file" : "files"} sent`;
  };

/** A post's reactions: a list (null when there are none, on some versions) of who reacted with what. */
export const REACTIONS: Shape = (value) => {
  if (value === null) return undefined;
  if (!Array.isArray(value)) return "not a list of reactions";
  const bad = value.find((r) => !isObject(r) || !isId(r.user_id) || typeof r.emoji_name !== "string");
  return bad === undefined ? undefined : "a reaction without a valid user_id or emoji_name";
};
