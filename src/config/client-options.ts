import { defaultNameCachePath, FileNameCache, type NameCache } from "../client/names.ts";
import { DirectoryHookStore, defaultHookDir, type HookStore } from "../hooks/hooks.ts";
import type { NotifyOptions } from "../library/notify-options.ts";
import { type LoadedConfig, requireConnection } from "./config.ts";
import { fetchOptions } from "./fetch-options.ts";

/** Where a client keeps message hooks and resolved names; in memory when left out. */
export interface ClientStores {
  hooks?: HookStore;
  names?: NameCache;
}

/**
 * A loaded configuration as a client's options: the connection (checked), the CA bundle and
 * the proxy, and where hooks and names are kept. `wakeup()` and the CLI both build their
 * client from it, so that a configuration means the same to both.
 */
export async function clientOptions(
  loaded: LoadedConfig,
  how: ClientStores & {
    /** Hears what the configuration asks that this runtime cannot do (a CA or proxy under Node). */
    warn: (text: string) => void;
    env?: Readonly<Record<string, string | undefined>>;
  },
): Promise<NotifyOptions> {
  const connection = requireConnection(loaded);
  const fetching = await fetchOptions(loaded.config, connection.url, how.warn, how.env);
  return {
    ...connection,
    ...fetching,
    ...(how.hooks ? { hooks: how.hooks } : {}),
    ...(how.names ? { names: how.names } : {}),
  };
}

/**
 * Hooks and resolved names on disk, shared between the nodes of a cluster, as the CLI keeps
 * them. The names are read from now on: a send to a known name needs them and the
 * configuration before its one request.
 */
export function diskStores(
  warn: (text: string) => void,
  names: FileNameCache = new FileNameCache(defaultNameCachePath(), warn),
): Required<ClientStores> {
  void names.load();
  return { hooks: new DirectoryHookStore(defaultHookDir()), names };
}
