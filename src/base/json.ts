/**
 * A JSON object read from a state file whose fields are yet to be checked; undefined when the
 * text is no JSON object (a torn or planted file is no record).
 */
export function jsonObject<T>(text: string): Partial<T> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}
