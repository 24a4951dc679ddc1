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
export type { LoadOptions, MmnConfig } from "./config.ts";
export { writeConfigFile } from "./config-write.ts";
export type { FileInput } from "./files.ts";
export type { NotifyCallOptions, SendCallOptions, WakeupConfig, WakeupOptions } from "./functional.ts";
export { exportHook, importHook, notify, notifyChannel, notifyUser, sendUpdate, wakeup } from "./functional.ts";
export type { MessageHook } from "./hook-file.ts";
export type { HookStore } from "./hooks.ts";
export { DirectoryHookStore, defaultHookDir, MemoryHookStore } from "./hooks.ts";
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
