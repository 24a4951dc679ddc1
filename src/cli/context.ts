import { defaultNameCachePath, FileNameCache } from "../client/names.ts";
import { type ConfigFile, type LoadedConfig, type MmnConfig, mergeConfig } from "../config/config.ts";
import { readConfigFiles } from "../config/config-files.ts";
import type { GlobalFlags } from "./argv.ts";
import type { CommandTable } from "./commands.ts";
import { ui } from "./ui.ts";

/** What main hands every command besides its own flags. */
export interface CliContext {
  globals: GlobalFlags;
  /** The arguments after `--`, for `mmn run`. */
  rest: string[] | undefined;
  /** The configuration files, read once: main starts the reading while a command loads. */
  configFiles(): Promise<ConfigFile[]>;
  /** The cache of resolved names: main starts reading it with the configuration files. */
  names(): FileNameCache;
  /** The environment as mmn started with it: MMN_TOKEN is taken out of the process's own. */
  env: Readonly<Record<string, string | undefined>>;
  /** Every command, for those that speak of the others (completion). */
  commands: CommandTable;
}

export function createContext(globals: GlobalFlags, rest: string[] | undefined, commands: CommandTable): CliContext {
  let files: Promise<ConfigFile[]> | undefined;
  let names: FileNameCache | undefined;
  const configFile = globals.config;
  const env = { ...process.env };
  // Whatever mmn starts (the command of `mmn run`, a scheduler query) must not inherit it.
  delete process.env.MMN_TOKEN;
  // An incoming webhook's URL is as secret as a token.
  if (process.env.MMN_URL?.includes("/hooks/")) delete process.env.MMN_URL;
  // Node's TLS reads it at each connection: the npm package's mmn, under Node, must not obey it
  // (README's Security). Under Bun the client says so itself, and `mmn run`'s command keeps it.
  if (!("Bun" in globalThis)) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  return {
    globals,
    rest,
    env,
    commands,
    configFiles: () => (files ??= readConfigFiles(configFile ? { configFile, env } : { env })),
    names() {
      if (names) return names;
      names = new FileNameCache(defaultNameCachePath(), ui.warn);
      void names.load();
      return names;
    },
  };
}

/** The configuration as the CLI sees it: files, environment, then flags; warnings shown. */
export async function cliConfig(ctx: CliContext, overrides: MmnConfig = {}): Promise<LoadedConfig> {
  const loaded = mergeConfig(await ctx.configFiles(), { overrides, env: ctx.env });
  if (ctx.env.NODE_TLS_REJECT_UNAUTHORIZED === "0") {
    loaded.warnings.push(
      "NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: mmn always checks the server's certificate (a CA of your site's own: ca= or MMN_CA)",
    );
  }
  for (const warning of loaded.warnings) ui.warn(warning);
  ui.debug(`config: ${loaded.files.length ? loaded.files.join(", ") : "no files"}`);
  return loaded;
}
