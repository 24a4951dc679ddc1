/**
 * A terminal's view of the last lines of output: ANSI escape sequences (CSI with
 * colours and cursor moves, OSC titles and hyperlinks, other ESC sequences) are
 * dropped, "\r" returns to column 0 so that text overwrites the line, backspace
 * moves back, ESC[K erases, invalid UTF-8 becomes U+FFFD, long lines are cut.
 * Only the current line and the last completed ones are kept.
 *
 * Speed matters in feed(): bytes past the cut of a long line are skipped with
 * native searches, and decoding is done by hand so that only visible bytes are
 * decoded (UTF-8 decoders crawl at ~70 MB/s on binary garbage). Plain `private`
 * fields: JSC's `#private` ones cost a third of the speed here.
 */

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
const CUT_MARK = "…";
// Half of a surrogate pair, left when a character is partly overwritten.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const isHigh = (u: number) => u >= 0xd800 && u < 0xdc00;
const isLow = (u: number) => u >= 0xdc00 && u < 0xe000;

interface Line {
  units: Uint16Array;
  cut: boolean;
}

export class Terminal {
  private done: Line[] = []; // rendered only when asked for
  private line: Uint16Array; // the unfinished line, as UTF-16 code units
  private len = 0;
  private col = 0; // may run past maxLineLength, where text is dropped
  private cut = false; // something was dropped past maxLineLength on this line
  private state = State.Ground;
  private param = -1; // first CSI parameter, -1 while absent
  private paramDone = false;
  private privateCsi = false; // a marker such as "?": never an erase
  // UTF-8 decoding as the WHATWG Encoding standard does it (U+FFFD per bad subpart)
  private need = 0;
  private cp = 0;
  private lower = 0x80;
  private upper = 0xbf;

  constructor(
    readonly maxLines: number,
    readonly maxLineLength: number,
  ) {
    this.line = new Uint16Array(maxLineLength);
  }

  /** The last lines, the unfinished one included when it is not empty. */
  lines(): string[] {
    const out = this.done.map(render);
    const current = render({ units: this.line.subarray(0, this.len), cut: this.cut });
    if (current !== "") out.push(current);
    return out.length > this.maxLines ? out.slice(out.length - this.maxLines) : out;
  }

  /** Forgets everything: what comes next starts a line on a blank screen. */
  reset(): void {
    this.done = [];
    this.len = 0;
    this.col = 0;
    this.cut = false;
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
            // Past the cut only the column moves (counted in bytes: close enough
            // there): jump to the next byte that could bring it back.
            skip ??= new Skipper(bytes);
            const end = skip.next(i);
            this.cut = true;
            this.col += end - i;
            i = end;
            continue;
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
          if (b < 0x20) this.control(b); // terminals execute controls inside CSI
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

  /** Copies a run of printable ASCII, the bulk of most output, up to the cut. */
  private ascii(bytes: Uint8Array, from: number): number {
    const line = this.line;
    let col = this.col;
    if (col > this.len) line.fill(0x20, this.len, col);
    const stop = Math.min(bytes.length, from + this.maxLineLength - col);
    let i = from;
    while (i < stop) {
      const b = bytes[i]!;
      if (b < 0x20 || b >= 0x7f) break;
      line[col++] = b;
      i++;
    }
    if (col > this.len) this.len = col;
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
    if (cp < 0x10000) return this.put(cp);
    if (this.col + 1 < this.maxLineLength) {
      this.put(0xd7c0 + (cp >> 10));
      this.put(0xdc00 | (cp & 0x3ff));
    } else {
      this.cut = true;
      this.col += 2;
    }
  }

  private put(u: number): void {
    const col = this.col;
    if (col >= this.maxLineLength) {
      this.cut = true;
    } else {
      if (col > this.len) this.line.fill(0x20, this.len, col);
      this.line[col] = u;
      if (col >= this.len) this.len = col + 1;
    }
    this.col = col + 1;
  }

  private control(b: number): void {
    if (b === LF) this.newline();
    else if (b === CR) this.col = 0;
    else if (b === BS) this.backspace();
    else if (b === TAB) this.put(b);
  }

  private startCsi(): void {
    this.state = State.Csi;
    this.param = -1;
    this.paramDone = false;
    this.privateCsi = false;
  }

  private csiByte(b: number): void {
    if (b >= 0x30 && b <= 0x39) {
      if (!this.paramDone) this.param = Math.min(9999, Math.max(0, this.param) * 10 + (b - 0x30));
    } else if (b === 0x3b || b === 0x3a) {
      this.paramDone = true;
    } else if (b >= 0x3c && b <= 0x3f) {
      this.privateCsi = true;
    } else if (b >= 0x40) {
      if (b === 0x4b && !this.privateCsi) this.eraseInLine(Math.max(0, this.param));
      this.state = State.Ground;
    }
  }

  private backspace(): void {
    if (this.col === 0) return;
    const col = --this.col;
    if (col > 0 && col < this.len && isLow(this.line[col]!) && isHigh(this.line[col - 1]!)) this.col--;
  }

  private eraseInLine(mode: number): void {
    const col = this.col;
    if (mode === 0) {
      this.len = Math.min(this.len, col);
      if (col <= this.maxLineLength) this.cut = false;
    } else if (mode === 1) {
      this.line.fill(0x20, 0, Math.min(col + 1, this.len));
    } else if (mode === 2) {
      this.len = 0;
      this.cut = false;
    }
  }

  private newline(): void {
    this.done.push({ units: this.line.slice(0, this.len), cut: this.cut });
    if (this.done.length > this.maxLines) this.done.shift();
    this.len = 0;
    this.col = 0;
    this.cut = false;
  }
}

function render(line: Line): string {
  const text = String.fromCharCode(...line.units).replace(LONE_SURROGATE, "");
  return line.cut ? text + CUT_MARK : text;
}

/**
 * Finds the next byte that can bring the cursor back from past the cut (newline,
 * carriage return, backspace, escape), remembering each search so that a chunk is
 * scanned at most once per byte value.
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
