/** Mattermost's ids: 26 characters of lower-case letters and digits. */
export const isId = (value: unknown): value is string => typeof value === "string" && /^[a-z0-9]{26}$/.test(value);
