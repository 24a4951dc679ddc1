export type { Post } from "@mattermost/types/posts";
export type { ErrorKind, RequestInfo } from "./base/errors.ts";
export {
  AfterSendError,
  ConfigError,
  exitCodeOf,
  MmnError,
  NetworkError,
  ServerError,
  UsageError,
} from "./base/errors.ts";
export { VERSION } from "./base/version.ts";
export type { Connection, LoadedConfig, LoadOptions, MmnConfig } from "./config.ts";
export { parseConfigText, requireConnection } from "./config.ts";
export { loadConfig, userConfigPath } from "./config-files.ts";
export { writeConfigFile } from "./config-write.ts";
export type { FileInput } from "./files.ts";
export type { NotifyCallOptions, SendCallOptions, WakeupConfig, WakeupOptions } from "./functional.ts";
export { exportHook, importHook, notify, notifyChannel, notifyUser, sendUpdate, wakeup } from "./functional.ts";
export type { HookStore, MessageHook } from "./hooks.ts";
export {
  DirectoryHookStore,
  defaultHookDir,
  formatHook,
  MemoryHookStore,
  parseHook,
  readHookFile,
  validateId,
  writeHookFile,
} from "./hooks.ts";
export type { NameCache } from "./names.ts";
export { defaultNameCachePath, FileNameCache, MemoryNameCache } from "./names.ts";
export { Notify } from "./notify.ts";
export type {
  DeliverOptions,
  NotifyOptions,
  ReplyOptions,
  SendOptions,
  ServerLimits,
  UpdateOptions,
} from "./notify-options.ts";
export type { Recipient } from "./recipient.ts";
export { normalizeUrl } from "./server-url.ts";
export { MAX_MESSAGE_RUNES, splitMessage } from "./split.ts";
