// Identifiers shaped like Mattermost's model.NewId(): 26 characters of its base32 alphabet.
import { randomBytes } from "node:crypto";

const ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769";

export function newId(): string {
  const bytes = randomBytes(26);
  let id = "";
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}

/** model.IsValidId: exactly 26 lowercase alphanumeric characters. */
export function isValidId(value: unknown): value is string {
  return typeof value === "string" && /^[a-z0-9]{26}$/.test(value);
}
