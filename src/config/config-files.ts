import { errnoText, fileThere, homeDir, isFile, joinPath, resolvePath } from "../base/disk.ts";
import { ConfigError } from "../base/errors.ts";
import { type FileFacts, readOwnFile, readSmallFile } from "../base/read-file.ts";
import { checkOptions } from "../library/arguments.ts";
import {
  CONFIG_KEYS,
  type ConfigFile,
  LOAD_KEYS,
  type LoadedConfig,
  type LoadOptions,
  mergeConfig,
  PYTHON_CONFIG_NAME,
  parseConfigLines,
} from "./config.ts";

/** The rc file `mmn setup` writes: `$XDG_CONFIG_HOME/.mmnrc` when that file exists, else `~/.mmnrc`. */
export async function userConfigPath(
  env: Record<string, string | undefined> = process.env,
  home = homeDir(),
): Promise<string> {
  const xdg = env.XDG_CONFIG_HOME ? joinPath(env.XDG_CONFIG_HOME, ".mmnrc") : undefined;
  return xdg && (await isFile(xdg)) ? xdg : joinPath(home, ".mmnrc");
}

/** Far more than any configuration holds; `MMN_CONFIG=/dev/zero` must not fill the memory. */
const MAX_CONFIG_BYTES = 64 * 1024;

interface Candidate {
  path: string;
  /** Named by --config or MMN_CONFIG: it must be there. */
  explicit?: true;
  /** In the working directory: trusted only when it is ours and nobody else can write it. */
  local?: true;
  /** The project's own connection: used alone when it holds a token (see readConfigFiles). */
  whole?: true;
  /**
   * `$XDG_CONFIG_HOME/.mmnrc`, which may be on a shared directory: read like a file of the
   * working directory (ours, writable by nobody else), and ~/.mmnrc instead when it is not.
   */
  insteadOf?: string;
}

/** The files read, lowest precedence first; named here so nothing walks up the tree. */
async function configFiles(options: LoadOptions = {}): Promise<Candidate[]> {
  const env = options.env ?? process.env;
  const explicit = options.configFile ?? env.MMN_CONFIG;
  const cwd = options.cwd ?? process.cwd();
  if (explicit) return [{ path: resolvePath(cwd, explicit), explicit: true }];
  const home = options.home ?? homeDir();
  const homeRc = joinPath(home, ".mmnrc");
  const userRc = await userConfigPath(env, home);
  const candidates: Candidate[] = [
    { path: joinPath(home, PYTHON_CONFIG_NAME) },
    { path: joinPath(cwd, PYTHON_CONFIG_NAME), local: true, whole: true },
    userRc === homeRc ? { path: homeRc } : { path: userRc, insteadOf: homeRc },
    { path: joinPath(cwd, ".mmnrc"), local: true },
  ];
  // In the home directory, the working directory's files are the user's own. Loops here and
  // below, not filter, map or find: on every send's way (README: Development, issue 16's
  // fourth pass).
  const seen = new Set<string>();
  const unique: Candidate[] = [];
  for (const candidate of candidates) if (!seen.has(candidate.path) && seen.add(candidate.path)) unique.push(candidate);
  return unique;
}

/**
 * The files that exist, lowest precedence first, read in parallel. A project's own
 * `./.mattermost_notify` that is trusted and holds a token is used alone, as the Python
 * package uses it: its server, team and token never mix with another file's.
 */
export async function readConfigFiles(options: LoadOptions = {}): Promise<ConfigFile[]> {
  const candidates = await configFiles(options);
  const reads: Promise<ConfigFile | undefined>[] = [];
  for (const candidate of candidates) reads.push(readCandidate(candidate));
  const files = await Promise.all(reads);
  const found: ConfigFile[] = [];
  for (const [i, file] of files.entries()) {
    if (!file) continue;
    if (candidates[i]?.whole && !file.ignored && file.values.token) return [file];
    found.push(file);
  }
  return found;
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  checkOptions("loadConfig", options, LOAD_KEYS, { kind: ConfigError });
  return mergeConfig(await readConfigFiles(options), options);
}

/** A shared `$XDG_CONFIG_HOME/.mmnrc` that is not ours: its warning, then ~/.mmnrc in its place. */
async function readCandidate(candidate: Candidate): Promise<ConfigFile | undefined> {
  const file = await readOne(candidate);
  if (!file?.ignored || candidate.insteadOf === undefined) return file;
  const instead = await readOne({ path: candidate.insteadOf });
  return instead ? { ...instead, warnings: [...file.warnings, ...instead.warnings] } : file;
}

async function readOne(candidate: Candidate): Promise<ConfigFile | undefined> {
  const { path } = candidate;
  const limits = { maxBytes: MAX_CONFIG_BYTES, allowPipe: candidate.explicit === true };
  let read: { text: string; facts: FileFacts };
  try {
    const guarded = candidate.local || candidate.insteadOf !== undefined;
    // Most of these files are not there (a directory is none either, as below): finding that
    // out costs no round trip to Bun's I/O threads, and loads no node:fs.
    if (!candidate.explicit && !(await fileThere(path))) return undefined;
    read = guarded
      ? await readOwnFile(path, limits)
      : await readSmallFile(path, { ...limits, own: !candidate.explicit });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === "ENOENT" || code === "EISDIR") && !candidate.explicit) return undefined;
    // Another user's file must not stop anyone's job: said once, and left alone.
    if (candidate.local || candidate.insteadOf !== undefined)
      return {
        path,
        values: {},
        local: candidate.local === true,
        warnings: [`${path} is ignored: ${errnoText(error)}`],
        ignored: true,
      };
    throw new ConfigError(`cannot read config file ${path}: ${errnoText(error)}`);
  }
  const { values, unknown } = parseConfigLines(read.text);
  const warnings: string[] = [];
  // A site's file (MMN_CONFIG for slurm-mail) is root's and given to its service user by group: that is no leak.
  const sitesGroup = read.facts.uid === 0 && process.geteuid?.() !== 0;
  if (values.token && read.facts.mode & (sitesGroup ? 0o004 : 0o044))
    warnings.push(`${path} holds a token and other users can read it: run \`chmod 600 ${path}\``);
  else if (values.url?.includes("/hooks/") && read.facts.mode & 0o044)
    warnings.push(`${path} holds a webhook's URL and other users can read it: run \`chmod 600 ${path}\``);
  for (const key of unknown)
    warnings.push(`${path}: unknown key ${JSON.stringify(key)} ignored (keys: ${CONFIG_KEYS.join(", ")})`);
  return { path, values, local: candidate.local === true, warnings };
}
