// GET system/ping and GET config/client?format=old.
import { createHash } from "node:crypto";
import { AppError, invalidParam } from "./app-error.ts";
import type { Ctx, Reply, ServerConfig } from "./context.ts";

/** The subset of the client config every caller gets, logged in or not (LimitedClientConfig). */
function limitedConfig(config: ServerConfig): Record<string, string> {
  return {
    Version: config.version,
    BuildNumber: config.buildNumber,
    BuildDate: "Mon Jan 06 12:00:00 UTC 2025",
    BuildHash: "0000000000000000000000000000000000000000",
    BuildHashEnterprise: "none",
    BuildEnterpriseReady: "false",
    SiteName: "Mattermost",
    SiteURL: config.url,
    DiagnosticId: "testserver00000000000000000",
    TelemetryId: "testserver00000000000000000",
    DiagnosticsEnabled: "false",
    EnableSignUpWithEmail: "false",
    EnableUserCreation: "false",
    NoAccounts: "false",
  };
}

/** What a logged-in caller gets (ClientConfigWithComputed), including the limits clients need. */
function fullConfig(config: ServerConfig): Record<string, string> {
  return {
    ...limitedConfig(config),
    MaxFileSize: String(config.maxFileSize),
    MaxPostSize: "16383",
    EnableFileAttachments: "true",
    EnableMobileFileUpload: "true",
    EnableMobileFileDownload: "true",
    EnablePublicLink: "false",
    EnableBotAccountCreation: "true",
    EnableUserAccessTokens: "true",
    DefaultClientLocale: "en",
    ExperimentalEnableAuthenticationTransfer: "true",
  };
}

/** X-Version-Id, like the real server's "<version>.<build>.<config hash>.<licensed>". */
export function versionId(config: ServerConfig): string {
  const hash = createHash("md5")
    .update(JSON.stringify(fullConfig({ ...config, url: "" })))
    .digest("hex");
  return `${config.version}.${config.buildNumber}.${hash}.false`;
}

export function getClientConfig(ctx: Ctx): Reply {
  const format = ctx.query.get("format") ?? "";
  // Without format the real server answers 501 (this id has no English translation, so the id is the message).
  if (format === "") throw new AppError("api.config.client.old_format.app_error", 501);
  if (format !== "old") throw invalidParam("format");
  return { status: 200, body: ctx.user ? fullConfig(ctx.config) : limitedConfig(ctx.config) };
}

export function ping(): Reply {
  return {
    status: 200,
    body: {
      ActiveSearchBackend: "database",
      AndroidLatestVersion: "",
      AndroidMinVersion: "",
      IosLatestVersion: "",
      IosMinVersion: "",
      status: "OK",
    },
  };
}
