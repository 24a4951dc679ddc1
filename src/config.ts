import { writeFileAtomic } from "./atomic.ts";
import { errnoText, fs, homeDir, isFile, joinPath, modeOf, parentDir, readText, resolvePath } from "./disk.ts";
import { ConfigError } from "./errors.ts";

export const CONFIG_KEYS = ["url", "token", "team", "user", "channel", "proxy", "ca", "interval", "tail", "on"] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
export type MmnConfig = Partial<Record<ConfigKey, string>>;

export interface LoadedConfig {
  config: MmnConfig;
  /** Where each value came from: a file path, `$MMN_URL`, `--url`… Never the value. */
  sources: Partial<Record<ConfigKey, string>>;
  /** Files that existed and were read, lowest precedence first. */
  files: string[];
  warnings: string[];
}

export interface LoadOptions {
  cwd?: string;
  home?: string;
  env?: Record<string, string | undefined>;
  /** A file to use instead of the seed's file and the rc files (`--config`). */
  configFile?: string;
  /** Highest precedence, e.g. command-line flags; undefined values are ignored. */
  overrides?: MmnConfig;
}

/** The seed's key names, and the obvious spellings people write by hand. */
const ALIASES: Record<string, ConfigKey> = { team_name: "team", user_name: "user", channel_name: "channel", server: "url" };
const ENV_KEYS: Record<string, ConfigKey> = {
  MMN_URL: "url",
  MMN_TOKEN: "token",
  MMN_TEAM: "team",
  MMN_USER: "user",
  MMN_CHANNEL: "channel",
  MMN_PROXY: "proxy",
  MMN_CA: "ca",
};

/**
 * `key=value` lines, tolerant where the seed crashed: blank lines, `#` comments, spaces
 * around `=`, `=` inside a value, CRLF, quotes; keys in any case (`URL`, `TEAM_NAME`).
 */
export function parseConfigText(text: string): MmnConfig {
  const config: MmnConfig = {};
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n|\r/)) {
    const line = raw.trim();
    const eq = line.indexOf("=");
    if (!line || line.startsWith("#") || line.startsWith(";") || eq <= 0) continue;
    const name = line.slice(0, eq).trim().toLowerCase().replace(/^export\s+/, "");
    const key = ALIASES[name] ?? (CONFIG_KEYS as readonly string[]).find((k) => k === name);
    if (!key) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && /^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    config[key as ConfigKey] = value;
  }
  return config;
}

export function serializeConfig(config: MmnConfig): string {
  const lines = ["# mmn configuration (key=value). The token is a secret: keep this file mode 0600."];
  for (const key of CONFIG_KEYS) {
    const value = config[key];
    if (value !== undefined && value !== "") lines.push(`${key}=${value}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The rc file `mmn setup` writes: `$XDG_CONFIG_HOME/.mmnrc` when that file exists, else `~/.mmnrc`. */
export async function userConfigPath(env: Record<string, string | undefined> = process.env, home = homeDir()): Promise<string> {
  const xdg = env.XDG_CONFIG_HOME ? joinPath(env.XDG_CONFIG_HOME, ".mmnrc") : undefined;
  return xdg && (await isFile(xdg)) ? xdg : joinPath(home, ".mmnrc");
}

/** The files read, lowest precedence first; named here so nothing walks up the tree. */
export async function configFiles(options: LoadOptions = {}): Promise<string[]> {
  const env = options.env ?? process.env;
  const explicit = options.configFile ?? env.MMN_CONFIG;
  const cwd = options.cwd ?? process.cwd();
  if (explicit) return [resolvePath(cwd, explicit)];
  const home = options.home ?? homeDir();
  const files = [joinPath(home, ".mattermost_notify"), joinPath(cwd, ".mattermost_notify"), await userConfigPath(env, home), joinPath(cwd, ".mmnrc")];
  return [...new Set(files)];
}

/** A configuration file that exists, as read. */
export interface ConfigFile {
  path: string;
  values: MmnConfig;
  /** Holds a token that other users of the machine can read. */
  exposed: boolean;
}

/** The files that exist, lowest precedence first, read in parallel. */
export async function readConfigFiles(options: LoadOptions = {}): Promise<ConfigFile[]> {
  const explicit = Boolean(options.configFile ?? (options.env ?? process.env).MMN_CONFIG);
  const paths = await configFiles(options);
  const files = await Promise.all(
    paths.map(async (path): Promise<ConfigFile | undefined> => {
      const [text, mode] = await Promise.all([readConfigFile(path, explicit), modeOf(path)]);
      if (text === undefined) return undefined;
      const values = parseConfigText(text);
      return { path, values, exposed: Boolean(values.token) && ((mode ?? 0) & 0o044) !== 0 };
    }),
  );
  return files.filter((file) => file !== undefined);
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  return mergeConfig(await readConfigFiles(options), options);
}

/** Files, then the environment, then the overrides, each key from the last that sets it. */
export function mergeConfig(files: readonly ConfigFile[], options: Pick<LoadOptions, "env" | "overrides"> = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const result: LoadedConfig = { config: {}, sources: {}, files: [], warnings: [] };
  const merge = (values: MmnConfig, source: string) => {
    // user and channel are one setting, the default recipient: naming one replaces the other.
    const other = values.user && !values.channel ? "channel" : values.channel && !values.user ? "user" : undefined;
    if (other) {
      delete result.config[other];
      delete result.sources[other];
    }
    for (const [key, value] of Object.entries(values) as Array<[ConfigKey, string | undefined]>) {
      if (value === undefined || value === "") continue;
      result.config[key] = value;
      result.sources[key] = source;
    }
  };
  for (const { path, values, exposed } of files) {
    result.files.push(path);
    if (exposed) result.warnings.push(`${path} holds a token and other users can read it: run \`chmod 600 ${path}\``);
    merge(values, path);
  }
  for (const [name, key] of Object.entries(ENV_KEYS)) merge({ [key]: env[name] }, `$${name}`);
  if (options.overrides) {
    for (const [key, value] of Object.entries(options.overrides)) merge({ [key]: value }, `--${key}`);
  }
  return result;
}

async function readConfigFile(file: string, required: boolean): Promise<string | undefined> {
  try {
    return await readText(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !required) return undefined;
    if (code === "EISDIR" && !required) return undefined;
    throw new ConfigError(`cannot read config file ${file}: ${errnoText(error)}`);
  }
}


export interface Connection {
  url: string;
  token: string;
  team?: string;
}

/** The URL and token a client needs, or a ConfigError that says how to provide them. */
export function requireConnection(loaded: LoadedConfig): Connection {
  const { url, token, team } = loaded.config;
  const hint = "run `mmn setup`, or set MMN_URL and MMN_TOKEN";
  if (!url) throw new ConfigError("no Mattermost server URL is configured", { hint });
  if (!token) throw new ConfigError("no access token is configured", { hint });
  return { url: normalizeUrl(url, loaded.sources.url), token, ...(team ? { team } : {}) };
}

/** `chat.example.org/` or `https://chat.example.org/api/v4` → `https://chat.example.org`. */
export function normalizeUrl(raw: string, source = "the URL"): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`invalid server URL ${JSON.stringify(raw)} (from ${source})`, {
      hint: "use the address you open in a browser, like https://chat.example.org",
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`invalid server URL ${JSON.stringify(raw)} (from ${source}): use http:// or https://`);
  }
  url.search = "";
  url.hash = "";
  // The address bar of a channel or a DM, pasted whole: the server is what comes before the team.
  url.pathname = url.pathname.replace(/\/[^/]+\/(channels|messages|pl|threads)\/[^/]+\/?$/, "");
  return url.toString().replace(/\/+$/, "").replace(/\/api\/v4$/, "");
}

/** Written whole with mode 0600, so a token is never briefly world-readable. */
export async function writeConfigFile(path: string, config: MmnConfig): Promise<void> {
  try {
    await (await fs()).mkdir(parentDir(path), { recursive: true });
    await writeFileAtomic(path, serializeConfig(config));
  } catch (error) {
    throw new ConfigError(`cannot write config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
