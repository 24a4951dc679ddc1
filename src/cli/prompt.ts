import { UsageError } from "../errors.ts";

/** Questions for the setup wizard. consola's prompts are loaded only when one is asked. */
export async function ask(question: string, initial?: string): Promise<string> {
  const { consola } = await import("consola");
  const answer = await consola.prompt(question, { type: "text", ...(initial ? { default: initial, placeholder: initial } : {}), cancel: "symbol" });
  if (typeof answer !== "string") throw new UsageError("setup cancelled");
  return answer.trim() || initial || "";
}

export async function choose(question: string, options: string[]): Promise<string> {
  const { consola } = await import("consola");
  const answer = await consola.prompt(question, { type: "select", options, cancel: "symbol" });
  if (typeof answer !== "string") throw new UsageError("setup cancelled");
  return answer;
}

/** Read a line without echo: consola has no password prompt, and a token must not show on screen. */
export async function askSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(`${question} `);
  stdin.setRawMode(true);
  stdin.resume();
  let secret = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (data: Buffer) => {
        for (const ch of data.toString("utf8")) {
          if (ch === "\r" || ch === "\n") {
            stdin.off("data", onData);
            return resolve(secret.trim());
          }
          if (ch === "\u0003" || ch === "\u0004") {
            stdin.off("data", onData);
            return reject(new UsageError("setup cancelled"));
          }
          if (ch === "\u007f" || ch === "\b") secret = secret.slice(0, -1);
          else if (ch >= " ") secret += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}
