/**
 * The npm package `mattermost-notify`: the Python package Mattermost Notify's functions and its
 * `Notify` class, with their options and errors, and the stores a program may plug in (hooks,
 * resolved names). What the CLI and the wrapper use besides lives in `client/`, not here.
 */
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
export type { FileInput } from "./client/files.ts";
export type { NameCache } from "./client/names.ts";
export { defaultNameCachePath, FileNameCache, MemoryNameCache } from "./client/names.ts";
export type { Recipient } from "./client/recipient.ts";
export type { LoadOptions, MmnConfig } from "./config/config.ts";
export { writeConfigFile } from "./config/config-write.ts";
export type { MessageHook } from "./hooks/hook-file.ts";
export type { HookStore } from "./hooks/hooks.ts";
export { DirectoryHookStore, defaultHookDir, MemoryHookStore } from "./hooks/hooks.ts";
export type { NotifyCallOptions, SendCallOptions, WakeupConfig, WakeupOptions } from "./library/functional.ts";
export { exportHook, importHook, notify, notifyChannel, notifyUser, sendUpdate, wakeup } from "./library/functional.ts";
export { Notify } from "./library/notify.ts";
export type {
  DeliverOptions,
  NotifyOptions,
  ReplyOptions,
  SendOptions,
  ServerLimits,
  UpdateOptions,
} from "./library/notify-options.ts";
