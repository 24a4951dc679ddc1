import { ConfigError } from "../base/errors.ts";
import type { OptionKeys } from "../library/arguments.ts";
import { checkToken } from "../mattermost/token.ts";
import { webhookOf } from "../mattermost/webhook-url.ts";
import { normalizeUrl } from "./server-url.ts";

export const CONFIG_KEYS = [
  "url",
  "token",
  "team",
  "user",
  "channel",
  "proxy",
  "ca",
  "interval",
  "tail",
  "on",
  "urgent",
  "mention",
  "attach",
  "delivery",
  "control",
  "spool",
  "mail-map",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/**
 * The configuration's values, as `key=value` lines of `~/.mmnrc` name them (README's
 * Configuration); every value is text.
 */
export type MmnConfig = {
  /** The server's address, or an incoming webhook's URL (`…/hooks/KEY`, a secret) instead of a token. */
  url?: string;
  /** The access token: a secret. */
  token?: string;
  /** The team of channels named by name. */
  team?: string;
  /** The default recipient of direct messages (one setting with `channel`). */
  user?: string;
  /** The default channel (one setting with `user`). */
  channel?: string;
  /** An HTTP(S) proxy's URL. */
  proxy?: string;
  /** A PEM bundle of extra CA certificates to trust. */
  ca?: string;
  /** `mmn run`: seconds between status edits. */
  interval?: string;
  /** `mmn run`: lines of output shown in the status. */
  tail?: string;
  /** `mmn run`: the events that notify (`--on`'s words). */
  on?: string;
  /** `mmn run`: the events told by an urgent root post (`--urgent`: `--on`'s words, or `never`). */
  urgent?: string;
  /** `mmn run --mention`: whom to mention. */
  mention?: string;
  /** `mmn run`: globs of files to attach at the end. */
  attach?: string;
  /** `direct` (default), or `outbox`: never try the network, keep every message for `mmn relay`. */
  delivery?: string;
  /** `mmn run`: who may stop a run by reacting to its status post (usernames, commas between), or `off`. */
  control?: string;
  /** `mmn slurm-mail` and the site's `mmn relay`: the spool between them (default /var/spool/mmn). */
  spool?: string;
  /** `mmn relay` for slurm-mail: a file of `slurm-name mattermost-name` lines. */
  "mail-map"?: string;
};

/** The Python package's configuration file, in the home and the working directory. */
export const PYTHON_CONFIG_NAME = ".mattermost_notify";

export interface LoadedConfig {
  config: MmnConfig;
  /** Where each value came from: a file path, `$MMN_URL`, `--url`… Never the value. */
  sources: Partial<Record<ConfigKey, string>>;
  /** Files that existed and were read, lowest precedence first. */
  files: string[];
  warnings: string[];
}

/** A configuration file that exists, as read. */
export interface ConfigFile {
  path: string;
  values: MmnConfig;
  /** In the working directory, where another user or a cloned repository may have put it. */
  local: boolean;
  /** What to tell the user of this file: a token others can read, keys that mean nothing. */
  warnings: string[];
  /** Found, but not to be trusted: its warning says why. */
  ignored?: true;
}

/** How `wakeup({ config })` reads the configuration, when not as the CLI does. */
export interface LoadOptions {
  /** The working directory, whose `.mmnrc` and `.mattermost_notify` are read (default: `process.cwd()`). */
  cwd?: string;
  /** The home directory (default: the user's). */
  home?: string;
  /** The environment, for `MMN_*` and `XDG_CONFIG_HOME` (default: `process.env`). */
  env?: Record<string, string | undefined>;
  /** A file to use instead of the files of Mattermost Notify (Python) and the rc files (`--config`). */
  configFile?: string;
  /** Highest precedence, e.g. command-line flags; undefined values are ignored. */
  overrides?: MmnConfig;
}
export const LOAD_KEYS: OptionKeys<LoadOptions> = {
  cwd: true,
  home: true,
  env: true,
  configFile: true,
  overrides: true,
};

/** The key names of Mattermost Notify (Python), and the obvious spellings people write by hand. */
const ALIASES: Record<string, ConfigKey> = {
  team_name: "team",
  user_name: "user",
  channel_name: "channel",
  server: "url",
};
const ENV_KEYS: Record<string, ConfigKey> = {
  MMN_URL: "url",
  MMN_TOKEN: "token",
  MMN_TEAM: "team",
  MMN_USER: "user",
  MMN_CHANNEL: "channel",
  MMN_PROXY: "proxy",
  MMN_CA: "ca",
  MMN_DELIVERY: "delivery",
};

/**
 * `key=value` lines, tolerant where Mattermost Notify (Python) crashed: blank lines, `#` comments, spaces
 * around `=`, `=` inside a value, CRLF, quotes; keys in any case (`URL`, `TEAM_NAME`).
 */
export function parseConfigText(text: string): MmnConfig {
  return parseConfigLines(text).values;
}

/** The values, and the keys that mean nothing to mmn (`chanel=ops`), which a user wants to hear of. */
export function parseConfigLines(text: string): { values: MmnConfig; unknown: string[] } {
  const values: MmnConfig = {};
  const unknown: string[] = [];
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  // Patterns are compiled to machine code at their first use (~35 us each, on every send): a
  // file without a carriage return is split on "\n" alone, a line without `export` not matched.
  for (const raw of body.includes("\r") ? body.split(/\r?\n|\r/) : body.split("\n")) {
    const line = raw.trim();
    const eq = line.indexOf("=");
    if (!line || line.startsWith("#") || line.startsWith(";") || eq <= 0) continue;
    const lower = line.slice(0, eq).trim().toLowerCase();
    const name = lower.startsWith("export") ? lower.replace(/^export\s+/, "") : lower;
    const key = ALIASES[name] ?? ((CONFIG_KEYS as readonly string[]).includes(name) ? name : undefined);
    if (!key) {
      unknown.push(name);
      continue;
    }
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]))
      value = value.slice(1, -1);
    values[key as ConfigKey] = value;
  }
  return { values, unknown };
}

/**
 * Values given as an object (`wakeup({ config })`), with the Python package's names
 * (`team_name`) too. A key that means nothing is refused: dropped, it would fail far from here.
 */
export function configFromObject(object: Readonly<Record<string, unknown>>, where: string): MmnConfig {
  const values: MmnConfig = {};
  for (const [name, value] of Object.entries(object)) {
    const key = ALIASES[name] ?? (CONFIG_KEYS as readonly string[]).find((k) => k === name);
    if (!key)
      throw new ConfigError(`${where}: unknown key ${JSON.stringify(name)}`, {
        hint: `the keys are ${CONFIG_KEYS.join(", ")} (and the Python package's team_name)`,
      });
    if (value !== undefined && typeof value !== "string")
      throw new ConfigError(`${where}: ${name} must be a string, not ${typeof value}`);
    values[key as ConfigKey] = value;
  }
  return values;
}

/** Keys that decide where the token goes: a file in the working directory may set them only beside its own token. */
const ROUTING_KEYS = ["url", "proxy", "ca"] as const;

/** Files, then the environment, then the overrides, each key from the last that sets it. */
export function mergeConfig(
  files: readonly ConfigFile[],
  options: Pick<LoadOptions, "env" | "overrides"> = {},
): LoadedConfig {
  const env = options.env ?? process.env;
  // Loops, not map or findLast: on every send's way, where each builtin's first call costs
  // 70-100 us (README: Development, issue 16's fourth pass).
  const layers: Array<{ values: MmnConfig; source: string; file?: ConfigFile }> = [];
  for (const file of files) layers.push({ values: file.values, source: file.path, file });
  for (const [name, key] of Object.entries(ENV_KEYS)) layers.push({ values: { [key]: env[name] }, source: `$${name}` });
  for (const [key, value] of Object.entries(options.overrides ?? {}))
    layers.push({ values: { [key]: value }, source: `--${key}` });
  let tokenSource: string | undefined;
  for (const layer of layers) if (layer.values.token) tokenSource = layer.source;
  const result: LoadedConfig = { config: {}, sources: {}, files: [], warnings: [] };
  for (const { values, source, file } of layers) {
    let use = values;
    if (file) {
      if (!file.ignored) result.files.push(file.path);
      result.warnings.push(...file.warnings);
      if (file.local && tokenSource !== file.path) use = withoutRouting(file, tokenSource, result.warnings);
    }
    merge(result, use, source);
  }
  return result;
}

/**
 * A cloned repository or a neighbour's directory may hold `.mmnrc` with `url=` of their own
 * host: it would receive the token of the user who runs mmn there. Such a file may point the
 * way only for the token it holds itself.
 */
function withoutRouting(file: ConfigFile, tokenSource: string | undefined, warnings: string[]): MmnConfig {
  const dropped = ROUTING_KEYS.filter((key) => file.values[key]);
  if (dropped.length === 0) return file.values;
  const values = { ...file.values };
  for (const key of dropped) delete values[key];
  const keys = dropped.map((key) => `${key}=`).join(", ");
  warnings.push(
    `${file.path}: ${keys} ignored: a file in the working directory may name the server only for a token of its own` +
      (tokenSource ? `, and the token comes from ${tokenSource}` : ""),
  );
  return values;
}

function merge(result: LoadedConfig, values: MmnConfig, source: string): void {
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
}

export interface Connection {
  url: string;
  token: string;
  team?: string;
  /** url= named an incoming webhook (`…/hooks/KEY`): posted to instead of the API, with no token. */
  webhook?: string;
}

/** The URL and token a client needs, or a ConfigError that says how to provide them. */
export function requireConnection(loaded: LoadedConfig): Connection {
  const { url, token, team } = loaded.config;
  const hint = "run `mmn setup`, or set MMN_URL and MMN_TOKEN";
  if (!url) throw new ConfigError("no Mattermost server URL is configured", { hint });
  const hook = webhookOf(url, loaded.sources.url);
  if (hook) return { url: hook.server, token: "", webhook: hook.url, ...(team ? { team } : {}) };
  if (!token) throw new ConfigError("no access token is configured", { hint });
  checkToken(token, loaded.sources.token ? `the token in ${loaded.sources.token}` : undefined);
  return { url: normalizeUrl(url, loaded.sources.url), token, ...(team ? { team } : {}) };
}
