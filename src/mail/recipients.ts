/**
 * Whom a Slurm mail reaches on Mattermost: `--mail-user=@name` names a Mattermost user
 * directly; else the mapping file (`mail-map=`: lines `slurm-name mattermost-name`, `#`
 * comments) where the names differ; else the same name. The mapping file is the admin's:
 * it must be root's or ours and writable by nobody else, as MMN_CONFIG is.
 */
import { FileRefused, readSmallFile } from "../base/read-file.ts";

const MAX_MAP_BYTES = 1024 * 1024;
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

export type MailMap = ReadonlyMap<string, string>;

export async function readMailMap(path: string | undefined): Promise<MailMap> {
  const map = new Map<string, string>();
  if (!path) return map;
  const { text, facts } = await readSmallFile(path, { maxBytes: MAX_MAP_BYTES });
  const me = process.geteuid?.();
  if ((facts.uid !== 0 && facts.uid !== me) || facts.mode & 0o022)
    throw new FileRefused("EFOREIGN", `${path} must be root's (or the relay's user's) and writable by nobody else`);
  for (const line of text.split("\n")) {
    const [from, to, ...more] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (from && to && !more.length && NAME.test(from) && NAME.test(to.replace(/^@/, "")))
      map.set(from, to.replace(/^@/, ""));
  }
  return map;
}

/** The Mattermost user's name, or undefined when the recipient is no name mmn sends to (an e-mail address). */
export function mattermostUser(recipient: string, map: MailMap): string | undefined {
  if (recipient.startsWith("@")) return NAME.test(recipient.slice(1)) ? recipient.slice(1) : undefined;
  const mapped = map.get(recipient);
  if (mapped) return mapped;
  return NAME.test(recipient) ? recipient : undefined;
}
