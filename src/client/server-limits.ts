import { printable } from "../base/printable.ts";
import type { ServerLimits } from "../library/notify-options.ts";
import type { Api, Deadline } from "../mattermost/api.ts";
import * as rest from "../mattermost/endpoints.ts";

/** What the server allows: `config/client`'s MaxFileSize (and its version, shown by `mmn test`). */
export async function askLimits(api: Api, deadline?: Deadline): Promise<ServerLimits> {
  const config = await rest.getClientConfig(api, deadline);
  const size = Number(config.MaxFileSize);
  return {
    ...(size > 0 ? { maxFileSize: size } : {}),
    ...(config.Version ? { version: printable(config.Version, 40) } : {}),
  };
}
