import { mergeConfig, type ConfigFile, type LoadedConfig, type MmnConfig } from "../config.ts";
import { readConfigFiles } from "../config-files.ts";
import type { GlobalFlags } from "./argv.ts";
import { ui } from "./ui.ts";

/** What main hands every command besides its own flags. */
export interface CliContext {
  globals: GlobalFlags;
  /** The arguments after `--`, for `mmn run`. */
  rest: string[] | undefined;
  /** The configuration files, read once: main starts the reading while a command loads. */
  configFiles(): Promise<ConfigFile[]>;
}

export function createContext(globals: GlobalFlags, rest: string[] | undefined): CliContext {
  let files: Promise<ConfigFile[]> | undefined;
  const configFile = globals.config;
  return {
    globals,
    rest,
    configFiles: () => (files ??= readConfigFiles(configFile ? { configFile } : {})),
  };
}

/** The configuration as the CLI sees it: files, environment, then flags; warnings shown. */
export async function cliConfig(ctx: CliContext, overrides: MmnConfig = {}): Promise<LoadedConfig> {
  const loaded = mergeConfig(await ctx.configFiles(), { overrides });
  for (const warning of loaded.warnings) ui.warn(warning);
  ui.debug(`config: ${loaded.files.length ? loaded.files.join(", ") : "no files"}`);
  return loaded;
}
