import { errnoText } from "../base/disk.ts";
import { readSmallFile } from "../base/read-file.ts";

/** A site's bundle is a few certificates; a whole system store is ~200 KiB. */
const MAX_CA_BYTES = 4 * 1024 * 1024;

import { ConfigError } from "../base/errors.ts";

/**
 * The text of a CA bundle file (`ca=` in the configuration), which fetch wants: checked
 * for a PEM certificate, since Bun takes anything else for a host it cannot find.
 */
export async function readCaBundle(path: string): Promise<string> {
  let text: string;
  try {
    ({ text } = await readSmallFile(path, { maxBytes: MAX_CA_BYTES, allowPipe: true }));
  } catch (error) {
    throw new ConfigError(`cannot read the CA bundle ${path}: ${errnoText(error)}`);
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(`the CA bundle ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`, {
      hint: `a DER file converts with: openssl x509 -inform der -in ${path} -out ca.pem`,
    });
  }
  return text;
}
