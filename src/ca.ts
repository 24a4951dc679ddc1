import { errnoText, readText } from "./disk.ts";
import { ConfigError } from "./errors.ts";

/**
 * The text of a CA bundle file (`ca=` in the configuration), which fetch wants: checked
 * for a PEM certificate, since Bun takes anything else for a host it cannot find.
 */
export async function readCaBundle(path: string): Promise<string> {
  let text: string;
  try {
    text = await readText(path);
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
