// `bun test/server/main.ts [--port N] [--max-file-size BYTES] [--version X.Y.Z] [--rate-limit PER_SEC:BURST]`
// Starts the test server, prints {"url","token",...} as one JSON line on stdout and every request
// as a line on stderr, and stays up until SIGINT or SIGTERM.
import { type RecordedRequest, startTestServer, type TestServerOptions } from "./index.ts";

function parseArgs(argv: string[]): TestServerOptions {
  const opts: TestServerOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: not a whole number: ${v}`);
      return n;
    };
    if (flag === "--port") opts.port = int(value());
    else if (flag === "--max-file-size") opts.maxFileSize = int(value());
    else if (flag === "--version") opts.version = value();
    else if (flag === "--rate-limit") {
      const [perSecond = "", burst = ""] = value().split(":");
      opts.rateLimit = { perSecond: Number(perSecond), burst: int(burst) };
    } else if (flag === "--help" || flag === "-h") {
      process.stdout.write(
        "usage: bun test/server/main.ts [--port N] [--max-file-size BYTES] [--version X.Y.Z] [--rate-limit PER_SEC:BURST]\n",
      );
      process.exit(0);
    } else throw new Error(`unknown argument: ${arg}`);
  }
  return opts;
}

function logLine(r: RecordedRequest): string {
  const query = new URLSearchParams(r.query).toString();
  const files = r.multipart ? ` files=${r.multipart.files.map((f) => `${f.filename}(${f.size})`).join(",")}` : "";
  return `${new Date(r.at).toISOString()} ${r.method} ${r.path}${query ? `?${query}` : ""} -> ${r.status || "no answer"}${files}\n`;
}

let opts: TestServerOptions;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
const server = await startTestServer({ ...opts, onRequest: (r) => process.stderr.write(logLine(r)) });
const { url, token, bot, team, users, channels } = server;
process.stdout.write(
  `${JSON.stringify({
    url,
    token,
    bot: bot.username,
    team: team.name,
    users: Object.values(users).map((u) => u.username),
    channels: Object.values(channels).map((c) => c.name),
  })}\n`,
);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void server.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
