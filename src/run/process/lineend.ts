/**
 * Whether the command's output left a line open in the file our stderr goes to, so that a
 * line of mmn's starts on a new one instead of gluing onto the job's last words
 * (`…no newlinemmn: the outcome…`).
 */
export class LineEnd {
  #open = false;

  /** A chunk of the command's output went to that file. */
  wrote(chunk: Uint8Array): void {
    if (chunk.length > 0) this.#open = chunk[chunk.length - 1] !== 0x0a;
  }

  /** Whether a line is open, which the caller is about to end: it is not open after this. */
  breakNeeded(): boolean {
    const open = this.#open;
    this.#open = false;
    return open;
  }
}
