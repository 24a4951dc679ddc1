import { Row } from "./row.ts";

/**
 * What a terminal shows of a byte stream, for the live tail: a screen of rows on
 * which "\n" goes down (scrolling at the bottom), "\r" and backspace move back so
 * that text overwrites, and the CSI sequences progress bars use move the cursor
 * (up, down, to a column) and erase (in the line, below). Other escape sequences
 * (colours, OSC titles and hyperlinks, the rest) are dropped, invalid UTF-8 becomes
 * U+FFFD, and a line longer than maxLineLength shows its end (see row.ts).
 *
 * The screen is as tall as a classic terminal (24 rows) or as the tail, if taller,
 * plus the row under the last line: tools that move the cursor up over their
 * status lines (nested tqdm bars, docker pull) count on a terminal's height. Rows
 * scrolled off its top are forgotten: the cursor stops at the top row.
 *
 * Speed matters in feed(): a run of bytes longer than a row can show is skipped
 * with native searches, and decoding is done by hand so that only visible bytes are
 * decoded (UTF-8 decoders crawl at ~70 MB/s on binary garbage). Plain `private`
 * fields: JSC's `#private` ones cost a third of the speed here.
 */

// biome-ignore lint/suspicious/noConstEnum: file-local, inlined by the bundler in the tail's hot loop
const enum State {
  Ground,
  Esc, // after ESC
  EscInter, // ESC and intermediate bytes, waiting for the final byte
  Csi, // ESC [ ...
  Str, // OSC, DCS, SOS, PM, APC: ignored up to BEL or ST (ESC \)
  StrEsc, // ESC inside a string
}

const LF = 0x0a;
const CR = 0x0d;
const BS = 0x08;
const TAB = 0x09;
const BEL = 0x07;
const ESC = 0x1b;
const REPLACEMENT = 0xfffd;
const MIN_ROWS = 24;

const isHigh = (u: number) => u >= 0xd800 && u < 0xdc00;
const isLow = (u: number) => u >= 0xdc00 && u < 0xe000;

export class Terminal {
  /** Rows kept: the cursor can go up this many minus one. */
  readonly height: number;
  private rows: Row[] = []; // a circle: row i of the screen is rows[(top + i) % height]
  private top = 0;
  private count = 1; // rows in use, from the top
  private y = 0; // the cursor's row
  private row: Row; // rows at y
  private col = 0; // may run past the end of the row, where writing leaves spaces
  private state = State.Ground;
  private param = -1; // first CSI parameter, -1 while absent
  private paramDone = false;
  private foreignCsi = false; // a private marker ("?") or intermediate byte: not one we act on
  // UTF-8 decoding as the WHATWG Encoding standard does it (U+FFFD per bad subpart)
  private need = 0;
  private cp = 0;
  private lower = 0x80;
  private upper = 0xbf;

  constructor(
    readonly maxLines: number,
    readonly maxLineLength: number,
  ) {
    this.height = Math.max(maxLines, MIN_ROWS) + 1;
    this.row = this.rowAt(0);
  }

  /** The last maxLines rows; the bottom one only when it is not empty (after "\n" it is the cursor's). */
  lines(): string[] {
    const out: string[] = [];
    for (let i = Math.max(0, this.count - this.maxLines - 1); i < this.count; i++) out.push(this.rowAt(i).render());
    if (out.at(-1) === "") out.pop();
    return out.length > this.maxLines ? out.slice(out.length - this.maxLines) : out;
  }

  /** Forgets everything: what comes next starts a line on a blank screen. */
  reset(): void {
    this.top = 0;
    this.clearScreen();
    this.col = 0;
    this.state = State.Ground;
    this.need = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }

  // `from` has no default on purpose: JSC ran this loop 8x slower for callers
  // that left a defaulted argument out.
  feed(bytes: Uint8Array, from: number): void {
    const n = bytes.length;
    const max = this.maxLineLength;
    // A run of bytes that cannot bring the cursor back shows at most its last max
    // columns, which take at most 4 bytes each: the rest is skipped undecoded.
    const keep = 4 * max;
    let skip: Skipper | undefined;
    let i = from;
    while (i < n) {
      const b = bytes[i]!;
      if (this.need > 0) {
        i = this.utf8(bytes, i);
        continue;
      }
      switch (this.state) {
        case State.Ground:
          if (this.col >= max && b !== LF && b !== CR && b !== BS && b !== ESC) {
            skip ??= new Skipper(bytes);
            const end = skip.next(i);
            if (end - i > keep) {
              i = this.jump(bytes, i, end - keep);
              continue;
            }
          }
          if (b >= 0x20 && b < 0x7f) {
            i = this.ascii(bytes, i);
            continue;
          }
          if (b >= 0x80) {
            i = this.utf8(bytes, i);
            continue;
          }
          if (b === ESC) this.state = State.Esc;
          else this.control(b);
          break;
        case State.Esc:
          if (b === 0x5b) this.startCsi();
          else if (b === 0x5d || b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) this.state = State.Str;
          else if (b >= 0x20 && b < 0x30) this.state = State.EscInter;
          else {
            this.state = State.Ground;
            if (b < 0x20 || b >= 0x7f) continue; // an aborted sequence: the byte still counts
          }
          break;
        case State.EscInter:
          if (b < 0x20 || b >= 0x30) {
            this.state = State.Ground;
            if (b < 0x20 || b >= 0x7f) continue;
          }
          break;
        case State.Csi:
          if (b === LF || b === ESC || b >= 0x7f) {
            this.state = State.Ground;
            continue;
          }
          if (b < 0x20)
            this.control(b); // terminals execute controls inside CSI
          else this.csiByte(b);
          break;
        case State.Str:
          if (b === BEL) this.state = State.Ground;
          else if (b === ESC) this.state = State.StrEsc;
          else if (b === LF) {
            // An unterminated string must not swallow the rest of the output.
            this.state = State.Ground;
            continue;
          }
          break;
        case State.StrEsc:
          if (b !== 0x5c) {
            this.state = State.Esc;
            continue;
          }
          this.state = State.Ground;
          break;
      }
      i++;
    }
  }

  /**
   * Moves over bytes[from, to) without decoding them, one column a byte (close
   * enough where nothing is shown), to the start of a character.
   */
  private jump(bytes: Uint8Array, from: number, to: number): number {
    while (to < bytes.length && (bytes[to]! & 0xc0) === 0x80) to++;
    this.col += to - from;
    this.row.skipped(this.col);
    return to;
  }

  /** Copies a run of printable ASCII, the bulk of most output. */
  private ascii(bytes: Uint8Array, from: number): number {
    const row = this.row;
    const max = this.maxLineLength;
    let col = this.col;
    let i = from;
    if (col >= max) {
      if (col >= row.len) {
        i = row.appendAscii(bytes, from, col);
        this.col = col + (i - from);
        return i;
      }
      // Overwriting a long line: only the row knows which columns it keeps.
      while (i < bytes.length) {
        const b = bytes[i]!;
        if (b < 0x20 || b >= 0x7f) break;
        row.put(col++, b);
        i++;
      }
      this.col = col;
      return i;
    }
    if (col > row.len) row.extend(col);
    const head = row.head;
    const stop = Math.min(bytes.length, from + max - col);
    while (i < stop) {
      const b = bytes[i]!;
      if (b < 0x20 || b >= 0x7f) break;
      head[col++] = b;
      i++;
    }
    if (col > row.len) row.len = col;
    this.col = col;
    return i;
  }

  /** Decodes non-ASCII bytes up to the next ASCII one, which ends a bad sequence. */
  private utf8(bytes: Uint8Array, from: number): number {
    let need = this.need;
    let cp = this.cp;
    let lower = this.lower;
    let upper = this.upper;
    let i = from;
    while (i < bytes.length) {
      const b = bytes[i]!;
      if (need === 0) {
        if (b < 0x80) break;
        if (b >= 0xc2 && b <= 0xdf) {
          need = 1;
          cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          need = 2;
          cp = b & 0x0f;
          if (b === 0xe0) lower = 0xa0;
          else if (b === 0xed) upper = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          need = 3;
          cp = b & 0x07;
          if (b === 0xf0) lower = 0x90;
          else if (b === 0xf4) upper = 0x8f;
        } else {
          this.char(REPLACEMENT);
        }
        i++;
      } else if (b >= lower && b <= upper) {
        cp = (cp << 6) | (b & 0x3f);
        lower = 0x80;
        upper = 0xbf;
        i++;
        if (--need === 0) this.char(cp);
      } else {
        // A bad sequence: one U+FFFD, and b starts afresh.
        need = 0;
        lower = 0x80;
        upper = 0xbf;
        this.char(REPLACEMENT);
      }
    }
    this.need = need;
    this.cp = cp;
    this.lower = lower;
    this.upper = upper;
    return i;
  }

  private char(cp: number): void {
    if (cp < 0xa0) return; // C1 controls
    if (cp < 0x10000) return this.row.put(this.col++, cp);
    this.row.put(this.col++, 0xd7c0 + (cp >> 10));
    this.row.put(this.col++, 0xdc00 | (cp & 0x3ff));
  }

  private control(b: number): void {
    if (b === LF) this.newline();
    else if (b === CR) this.col = 0;
    else if (b === BS) this.backspace();
    else if (b === TAB) this.row.put(this.col++, b);
  }

  private startCsi(): void {
    this.state = State.Csi;
    this.param = -1;
    this.paramDone = false;
    this.foreignCsi = false;
  }

  private csiByte(b: number): void {
    if (b >= 0x30 && b <= 0x39) {
      if (!this.paramDone) this.param = Math.min(9999, Math.max(0, this.param) * 10 + (b - 0x30));
    } else if (b === 0x3b || b === 0x3a) {
      this.paramDone = true;
    } else if (b < 0x30 || b >= 0x3c) {
      if (b >= 0x40) {
        if (!this.foreignCsi) this.csi(b);
        this.state = State.Ground;
      } else {
        this.foreignCsi = true;
      }
    }
  }

  private csi(final: number): void {
    const n = Math.max(1, this.param); // a count: absent or 0 means 1
    switch (final) {
      case 0x41: // A: up
        return this.moveTo(this.y - n);
      case 0x42: // B: down
        return this.moveTo(this.y + n);
      case 0x43: // C: forward
        this.col += n;
        return;
      case 0x44: // D: back
        this.col = Math.max(0, this.col - n);
        return;
      case 0x45: // E: down, to the first column
        this.col = 0;
        return this.moveTo(this.y + n);
      case 0x46: // F: up, to the first column
        this.col = 0;
        return this.moveTo(this.y - n);
      case 0x47: // G: to column n
      case 0x60: // `: the same
        this.col = n - 1;
        return;
      case 0x4a: // J: erase in display
        return this.eraseInDisplay(Math.max(0, this.param));
      case 0x4b: // K: erase in line
        return this.eraseInLine(Math.max(0, this.param));
    }
  }

  private backspace(): void {
    if (this.col === 0) return;
    const col = --this.col;
    if (col > 0 && isLow(this.row.at(col)) && isHigh(this.row.at(col - 1))) this.col--;
  }

  private eraseInLine(mode: number): void {
    if (mode === 0) this.row.eraseFrom(this.col);
    else if (mode === 1) this.row.eraseTo(this.col);
    else if (mode === 2) this.row.clear();
  }

  private eraseInDisplay(mode: number): void {
    if (mode === 0) {
      this.row.eraseFrom(this.col);
      this.count = this.y + 1;
    } else if (mode === 1) {
      for (let i = 0; i < this.y; i++) this.rowAt(i).clear();
      this.row.eraseTo(this.col);
    } else {
      // A cleared screen shows what comes next from its top.
      this.clearScreen();
    }
  }

  private clearScreen(): void {
    this.count = 1;
    this.y = 0;
    this.row = this.rowAt(0);
    this.row.clear();
  }

  /** Moves to row y, within the rows in use. */
  private moveTo(y: number): void {
    this.y = Math.max(0, Math.min(this.count - 1, y));
    this.row = this.rowAt(this.y);
  }

  private newline(): void {
    this.col = 0;
    if (this.y < this.count - 1) return this.moveTo(this.y + 1);
    if (this.count < this.height) this.y = this.count++;
    else this.top = (this.top + 1) % this.height; // the top row scrolls off and comes back blank at the bottom
    this.row = this.rowAt(this.y);
    this.row.clear();
  }

  private rowAt(y: number): Row {
    const i = (this.top + y) % this.height;
    return (this.rows[i] ??= new Row(this.maxLineLength));
  }
}

/**
 * Finds the next byte that can bring the cursor back (newline, carriage return,
 * backspace, escape), remembering each search so that a chunk is scanned at most
 * once per byte value.
 */
class Skipper {
  private static readonly BYTES = [LF, CR, BS, ESC];
  private at = [-1, -1, -1, -1];

  constructor(private readonly bytes: Uint8Array) {}

  next(from: number): number {
    const n = this.bytes.length;
    let best = n;
    for (let k = 0; k < 4; k++) {
      if (this.at[k]! < from) {
        const at = this.bytes.indexOf(Skipper.BYTES[k]!, from);
        this.at[k] = at < 0 ? n : at;
      }
      best = Math.min(best, this.at[k]!);
    }
    return best;
  }
}
