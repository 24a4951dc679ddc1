import { lowerAlnum } from "./chars.ts";

/** Mattermost's ids: 26 characters of lower-case letters and digits. */
export const isId = (value: unknown): value is string =>
  typeof value === "string" && value.length === 26 && lowerAlnum(value);
