export { Notify } from "./notify.ts";
export type { DeliverOptions, NotifyOptions, ReplyOptions, SendOptions, ServerLimits, UpdateOptions } from "./notify.ts";
export type { Recipient } from "./recipient.ts";
export { wakeup, notify, notifyUser, notifyChannel, sendUpdate, exportHook, importHook } from "./functional.ts";
export type { WakeupOptions, NotifyCallOptions } from "./functional.ts";
export {
  DirectoryHookStore,
  MemoryHookStore,
  defaultHookDir,
  formatHook,
  parseHook,
  readHookFile,
  validateId,
  writeHookFile,
} from "./hooks.ts";
export type { HookStore, MessageHook } from "./hooks.ts";
export { FileNameCache, MemoryNameCache, defaultNameCachePath } from "./names.ts";
export type { NameCache } from "./names.ts";
export { normalizeUrl, parseConfigText, requireConnection, userConfigPath, writeConfigFile } from "./config.ts";
export { loadConfig } from "./config-files.ts";
export type { Connection, LoadOptions, LoadedConfig, MmnConfig } from "./config.ts";
export { AfterSendError, ConfigError, MmnError, NetworkError, ServerError, UsageError, exitCodeOf } from "./errors.ts";
export type { ErrorKind, RequestInfo } from "./errors.ts";
export type { FileInput } from "./files.ts";
export { MAX_MESSAGE_RUNES, splitMessage } from "./split.ts";
export { VERSION } from "./version.ts";
