// A streaming multipart/form-data parser: parts are reported as they arrive, file data in pieces,
// so that an upload is never held twice in memory.

export interface PartHeaders {
  /** The form field name from Content-Disposition. */
  name: string;
  /** Present (possibly "") when the disposition has a filename parameter. */
  filename: string | undefined;
  contentType: string;
}

export interface MultipartSink {
  onPart(headers: PartHeaders): void;
  onData(data: Buffer): void;
  onPartEnd(): void;
}

export class MultipartSyntaxError extends Error {}

const MAX_HEADER_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n");

/** The boundary parameter of a multipart/form-data Content-Type, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

function unquote(value: string): string {
  const v = value.trim();
  return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, "$1") : v;
}

/** Parameters of a Content-Disposition value; filename* (RFC 5987) wins over filename. */
function dispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const key = (m[1] ?? "").toLowerCase();
    const raw = m[2] ?? "";
    if (key === "filename*") {
      const ext = /^[^']*'[^']*'(.*)$/.exec(raw.trim());
      try {
        params.set("filename", decodeURIComponent(ext?.[1] ?? raw));
      } catch {
        params.set("filename", raw);
      }
    } else if (!(key === "filename" && params.has("filename"))) {
      params.set(key, unquote(raw));
    }
  }
  return params;
}

function parseHeaders(block: string): PartHeaders {
  let disposition = "";
  let contentType = "";
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = value;
    else if (key === "content-type") contentType = value;
  }
  if (!/^form-data\b/i.test(disposition)) return { name: "", filename: undefined, contentType };
  const params = dispositionParams(disposition);
  return { name: params.get("name") ?? "", filename: params.get("filename"), contentType };
}

type State = "preamble" | "afterBoundary" | "headers" | "body" | "done";

export class MultipartParser {
  private readonly delimiter: Buffer;
  private pending: Buffer = Buffer.from("\r\n"); // lets the first boundary match like every other one
  private state: State = "preamble";

  constructor(
    boundary: string,
    private readonly sink: MultipartSink,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  get finished(): boolean {
    return this.state === "done";
  }

  write(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.step()) {
      // keep going while a step makes progress
    }
  }

  end(): void {
    if (this.state !== "done") throw new MultipartSyntaxError("multipart: NextPart: EOF");
  }

  /** One transition; false when more input is needed. */
  private step(): boolean {
    switch (this.state) {
      case "preamble":
      case "body":
        return this.scanBody();
      case "afterBoundary":
        return this.afterBoundary();
      case "headers":
        return this.headers();
      case "done":
        this.pending = Buffer.alloc(0);
        return false;
    }
  }

  private scanBody(): boolean {
    const at = this.pending.indexOf(this.delimiter);
    const inBody = this.state === "body";
    if (at < 0) {
      // Everything but a possible partial delimiter at the end is data.
      const safe = this.pending.length - (this.delimiter.length - 1);
      if (safe > 0) {
        if (inBody) this.sink.onData(this.pending.subarray(0, safe));
        this.pending = this.pending.subarray(safe);
      }
      return false;
    }
    if (inBody) {
      if (at > 0) this.sink.onData(this.pending.subarray(0, at));
      this.sink.onPartEnd();
    }
    this.pending = this.pending.subarray(at + this.delimiter.length);
    this.state = "afterBoundary";
    return true;
  }

  private afterBoundary(): boolean {
    if (this.pending.length < 2) return false;
    const two = this.pending.subarray(0, 2).toString("latin1");
    if (two === "--") {
      this.state = "done";
      return true;
    }
    // Transport padding (spaces, tabs) may follow the boundary before the line break.
    const eol = this.pending.indexOf("\r\n");
    if (eol < 0) {
      if (this.pending.length > 1024) throw new MultipartSyntaxError("multipart: boundary line too long");
      return false;
    }
    if (this.pending.subarray(0, eol).toString("latin1").trim() !== "") {
      throw new MultipartSyntaxError("multipart: expecting a new Part");
    }
    this.pending = this.pending.subarray(eol + 2);
    this.state = "headers";
    return true;
  }

  private headers(): boolean {
    // A part without headers starts right away with its blank line.
    if (this.pending.subarray(0, 2).toString("latin1") === "\r\n") {
      this.pending = this.pending.subarray(2);
      this.sink.onPart(parseHeaders(""));
      this.state = "body";
      return true;
    }
    const end = this.pending.indexOf(CRLFCRLF);
    if (end < 0) {
      if (this.pending.length > MAX_HEADER_BYTES) throw new MultipartSyntaxError("multipart: message too large");
      return false;
    }
    const block = this.pending.subarray(0, end).toString("utf8");
    this.pending = this.pending.subarray(end + CRLFCRLF.length);
    this.state = "body";
    this.sink.onPart(parseHeaders(block));
    return true;
  }
}
