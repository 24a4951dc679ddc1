import { printable } from "../base/printable.ts";
import type { ServerLimits } from "../library/notify-options.ts";
import type { Api, Deadline } from "../mattermost/api.ts";
import * as rest from "../mattermost/endpoints.ts";

/** What the server allows: `config/client`'s MaxFileSize (and its version, shown by `mmn test`). */
async function askLimits(api: Api, deadline?: Deadline): Promise<ServerLimits> {
  const config = await rest.getClientConfig(api, deadline);
  const size = Number(config.MaxFileSize);
  return {
    ...(size > 0 ? { maxFileSize: size } : {}),
    ...(config.Version ? { version: printable(config.Version, 40) } : {}),
  };
}

/** The limits asked once for a client; a failure is asked again the next time. */
export class AskedLimits {
  #asked: Promise<ServerLimits> | undefined;

  constructor(private readonly api: Api) {}

  get(deadline?: Deadline): Promise<ServerLimits> {
    this.#asked ??= askLimits(this.api, deadline).catch((error: unknown) => {
      this.#asked = undefined;
      throw error;
    });
    return this.#asked;
  }
}
