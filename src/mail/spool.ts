/**
 * The site's spool between slurmctld's MailProg and `mmn relay`: a directory the service user
 * (SlurmUser) owns, 0700, each event a 0600 file written atomically and named after when it
 * came, so the relay delivers them in order. MailProg only writes here (it must never hold up
 * slurmctld); the relay reads, delivers and removes. A directory or file that is not the
 * service user's own, or is reached through a symlink, is refused, as the outbox's are.
 */
import { writeFileAtomic } from "../base/atomic.ts";
import { errnoText, fs, joinPath } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";
import { readStateFile } from "../base/read-file.ts";
import { type MailEvent, parseMailEvent } from "./event.ts";

/** Where it is unless the configuration says `spool=`. */
const DEFAULT_SPOOL = "/var/spool/mmn";
const MAX_EVENT_BYTES = 16 * 1024;
const NAME = /^\d{13}-\d+-[\da-f]{8}\.json$/;

export class Spool {
  constructor(readonly dir: string = DEFAULT_SPOOL) {}

  /** Kept for the relay: made, or checked to be ours and closed to others. */
  async put(event: MailEvent): Promise<void> {
    await this.#ownDir(true);
    const name = `${String(event.at).padStart(13, "0")}-${process.pid}-${crypto.randomUUID().slice(0, 8)}.json`;
    await writeFileAtomic(joinPath(this.dir, name), JSON.stringify(event));
  }

  /** The events waiting, oldest first; a file that is broken or not ours is set aside with a warning. */
  async list(warn: (message: string) => void): Promise<Array<{ name: string; event: MailEvent }>> {
    if (!(await this.#ownDir(false))) return [];
    const { readdir } = await fs();
    const out: Array<{ name: string; event: MailEvent }> = [];
    for (const name of (await readdir(this.dir)).filter((n) => NAME.test(n)).sort()) {
      try {
        const { text } = await readStateFile(joinPath(this.dir, name), MAX_EVENT_BYTES);
        const event = parseMailEvent(text);
        if (event) out.push({ name, event });
        else {
          warn(`spool ${this.dir}: ${name} is no event of slurm-mail's: removed`);
          await this.remove(name);
        }
      } catch (error) {
        warn(`spool ${this.dir}: ${name} left: ${errnoText(error)}`);
      }
    }
    return out;
  }

  /** What the relay keeps of an array's board (its own file beside the events), or "" for none yet. */
  async readBoard(arrayId: string): Promise<string> {
    try {
      return (await readStateFile(this.#board(arrayId), MAX_EVENT_BYTES * 4)).text;
    } catch {
      return "";
    }
  }

  async writeBoard(arrayId: string, text: string): Promise<void> {
    const { mkdir } = await fs();
    await mkdir(joinPath(this.dir, "boards"), { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    await writeFileAtomic(this.#board(arrayId), text);
  }

  #board(arrayId: string): string {
    if (!/^\d+$/.test(arrayId)) throw new UsageError(`not an array's id: ${JSON.stringify(arrayId)}`);
    return joinPath(this.dir, "boards", `${arrayId}.json`);
  }

  async remove(name: string): Promise<void> {
    if (!NAME.test(name)) return;
    const { rm } = await fs();
    await rm(joinPath(this.dir, name), { force: true });
  }

  /** The directory is ours, 0700 and no symlink; made when `make` (MailProg's first call). */
  async #ownDir(make: boolean): Promise<boolean> {
    const { lstat, mkdir } = await fs();
    const refuse = (why: string) =>
      new UsageError(`the spool ${this.dir} ${why}`, {
        hint: "make it a directory that only the service user (SlurmUser) owns and can enter: mode 0700",
      });
    let facts = await lstat(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw refuse(`cannot be read: ${errnoText(error)}`);
      return undefined;
    });
    if (!facts) {
      if (!make) return false;
      await mkdir(this.dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw refuse(`cannot be made: ${errnoText(error)}`);
      });
      facts = await lstat(this.dir);
    }
    if (!facts.isDirectory()) throw refuse("is not a directory (or is a symlink)");
    if (facts.uid !== process.geteuid?.()) throw refuse(`belongs to uid ${facts.uid}, not to this user`);
    if (facts.mode & 0o077) throw refuse(`is open to others (mode ${(facts.mode & 0o777).toString(8)})`);
    return true;
  }
}
