/**
 * One line of the terminal, as UTF-16 code units by column. A line can grow without
 * bound (a progress line that never ends, megabytes without a newline), so only two
 * windows of `cap` columns are kept: the first ones (`head`, which "\r" comes back
 * to) and the last ones (`ring`, column c at c % cap). A longer line shows its end,
 * the newest output, cut at the front with "…".
 */

const SPACE = 0x20;
const CUT_MARK = "…";
// Half of a surrogate pair, left when a character is partly overwritten or cut.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export class Row {
  readonly head: Uint16Array;
  private ring: Uint16Array | undefined;
  /** Columns in use: the line ends there. */
  len = 0;
  /**
   * The ring's columns below this were overwritten unseen (in the middle of the line,
   * where nothing is kept) or skipped: after an erase brings them into view they are
   * not shown.
   */
  private known = 0;

  constructor(readonly cap: number) {
    this.head = new Uint16Array(cap);
  }

  clear(): void {
    this.len = 0;
    this.known = 0;
  }

  /** Writes a code unit at col (a cursor past the end leaves spaces between). */
  put(col: number, u: number): void {
    const cap = this.cap;
    if (col > this.len) this.extend(col);
    if (col < cap) this.head[col] = u;
    else if (col >= this.len - cap) (this.ring ??= new Uint16Array(cap))[col % cap] = u;
    if (col >= this.len) this.len = col + 1;
  }

  /**
   * Appends the printable ASCII run from bytes[from] at col, past the first cap
   * columns and not before the end of the line: returns where the run stops.
   */
  appendAscii(bytes: Uint8Array, from: number, col: number): number {
    const cap = this.cap;
    if (col > this.len) this.extend(col);
    const ring = (this.ring ??= new Uint16Array(cap));
    let slot = col % cap;
    let i = from;
    while (i < bytes.length) {
      const b = bytes[i]!;
      if (b < 0x20 || b >= 0x7f) break;
      ring[slot] = b;
      if (++slot === cap) slot = 0;
      i++;
    }
    this.len = col + (i - from);
    return i;
  }

  /** Ends the line at col with spaces from its old end, as a cursor moved there and written would. */
  extend(col: number): void {
    const cap = this.cap;
    if (this.len < cap) this.head.fill(SPACE, this.len, Math.min(col, cap));
    // Only the columns still in view once col is written.
    const from = Math.max(this.len, cap, col + 1 - cap);
    if (from < col) {
      const ring = (this.ring ??= new Uint16Array(cap));
      for (let c = from; c < col; c++) ring[c % cap] = SPACE;
    }
    this.len = Math.max(this.len, col);
  }

  /** The cursor jumped to col over text never decoded: what comes before is not known. */
  skipped(col: number): void {
    this.known = Math.max(this.known, col);
  }

  /** The code unit at col, 0 when not known. */
  at(col: number): number {
    if (col >= this.len) return 0;
    if (col < this.cap) return this.head[col]!;
    return this.ring && col >= this.len - this.cap ? this.ring[col % this.cap]! : 0;
  }

  /** ESC[K: the line ends at col. */
  eraseFrom(col: number): void {
    if (col >= this.len) return;
    // Writes in the middle of the line were dropped: up to col, what was not in view is not known.
    this.known = col <= this.cap ? 0 : Math.min(col, Math.max(this.known, this.len - this.cap));
    this.len = col;
  }

  /** ESC[1K: blanks from the start to col, inclusive. */
  eraseTo(col: number): void {
    const cap = this.cap;
    const end = Math.min(col + 1, this.len);
    this.head.fill(SPACE, 0, Math.min(end, cap));
    if (this.ring) for (let c = Math.max(cap, this.len - cap); c < end; c++) this.ring[c % cap] = SPACE;
  }

  /** The line as shown: trailing blanks dropped, a longer line's last cap columns after "…". */
  render(): string {
    const cap = this.cap;
    const len = this.len;
    if (len <= cap) return text(this.head.subarray(0, len));
    let start = len - cap;
    if (this.known > cap && this.known > start) start = this.known;
    // None of the end is known (a long line rewritten shorter, then erased): its start then.
    if (start >= len) return text(this.head) + CUT_MARK;
    const units = new Uint16Array(Math.max(0, len - start));
    for (let c = start; c < len; c++) units[c - start] = c < cap ? this.head[c]! : this.ring![c % cap]!;
    return CUT_MARK + text(units);
  }
}

function text(units: Uint16Array): string {
  let end = units.length;
  while (end > 0 && units[end - 1] === SPACE) end--;
  return String.fromCharCode(...units.subarray(0, end)).replace(LONE_SURROGATE, "");
}
