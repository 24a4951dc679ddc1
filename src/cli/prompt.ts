import { UsageError } from "../base/errors.ts";

/** Ctrl-C or Ctrl-D at a question: the wizard ends, nothing written. */
export class Cancelled extends UsageError {
  constructor() {
    super("setup cancelled: nothing was written");
  }
}

/**
 * Questions for the setup wizard. A line of text is asked with node:readline, on stderr:
 * consola's text prompt returns `undefined` under Bun 1.4.5 whatever is typed. A choice and
 * a yes/no are consola's (arrow keys, and it is loaded only here: a send never pays for it).
 */
export async function ask(question: string, initial?: string): Promise<string> {
  // Imported here: a builtin imported at the top loads at every command's start (~6 ms).
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question}${initial ? ` [${initial}]` : ""} `);
    return answer.trim() || initial || "";
  } catch {
    // The prompt line is still open: the error goes on a line of its own.
    process.stderr.write("\n");
    throw new Cancelled();
  } finally {
    rl.close();
  }
}

export async function choose(question: string, options: string[]): Promise<string> {
  const { consola } = await import("consola");
  try {
    return await consola.prompt(question, { type: "select", options, cancel: "reject" });
  } catch {
    throw new Cancelled();
  }
}

export async function confirm(question: string): Promise<boolean> {
  const { consola } = await import("consola");
  try {
    return await consola.prompt(question, { type: "confirm", initial: true, cancel: "reject" });
  } catch {
    throw new Cancelled();
  }
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
            return reject(new Cancelled());
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
