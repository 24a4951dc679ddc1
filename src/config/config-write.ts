import { writeFileAtomic } from "../base/atomic.ts";
import { baseName, errnoText, fs, parentDir } from "../base/disk.ts";
import { ConfigError } from "../base/errors.ts";
import { CONFIG_KEYS, type ConfigKey, type MmnConfig, PYTHON_CONFIG_NAME } from "./config.ts";

/** The Python package's names, in its case: it reads `URL=`, `TEAM_NAME=` and `TOKEN=` and needs all three. */
const PYTHON_KEYS: Partial<Record<ConfigKey, string>> = { url: "URL", team: "TEAM_NAME", token: "TOKEN" };

/**
 * A `.mattermost_notify` is written as the Python package writes it, so that it reads it
 * too: its three keys first and in its case, then ours, one per line, and no comment or
 * blank line (its reader splits every line at `=`).
 */
function serializeConfig(config: MmnConfig, python: boolean): string {
  const lines = python ? [] : ["# mmn configuration (key=value). The token is a secret: keep this file mode 0600."];
  const keys = python ? [...(["url", "team", "token"] as const), ...CONFIG_KEYS] : CONFIG_KEYS;
  for (const key of new Set<ConfigKey>(keys)) {
    const value = config[key];
    if (value !== undefined && value !== "") lines.push(`${(python && PYTHON_KEYS[key]) || key}=${value}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Write a configuration file, as `mmn setup` does: whole, with mode 0600, so that a token is
 * never briefly world-readable. A file named `.mattermost_notify` is written in the format of
 * Mattermost Notify (Python), which reads it too.
 *
 * @example
 * ```ts
 * await writeConfigFile(`${homedir()}/.mmnrc`, { url: "https://chat.example.org", token, team: "research", user: "alice" });
 * ```
 * @throws {@link ConfigError} when the file or its directory cannot be written.
 */
export async function writeConfigFile(path: string, config: MmnConfig): Promise<void> {
  try {
    await (await fs()).mkdir(parentDir(path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, serializeConfig(config, baseName(path) === PYTHON_CONFIG_NAME));
  } catch (error) {
    throw new ConfigError(`cannot write config file ${path}: ${errnoText(error)}`);
  }
}
