import { UsageError } from "../errors.ts";

/** Ctrl-C or Ctrl-D at a question: the wizard ends, nothing written. */
export class Cancelled extends UsageError {
  constructor() {
    super("setup cancelled: nothing was written");
  }
}

/**
 * Questions for the setup wizard, on stderr, answered on stdin. Plain numbered choices
 * rather than consola's prompts: they work over any SSH terminal, and consola's text
 * prompt returns `undefined` under Bun 1.4.5 whatever is typed.
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
  process.stderr.write(`${question}\n${options.map((o, i) => `  ${i + 1}) ${o}`).join("\n")}\n`);
  for (;;) {
    const answer = await ask(`Choose 1-${options.length}:`, "1");
    const picked = options[Number(answer) - 1] ?? options.find((o) => o === answer);
    if (picked) return picked;
    process.stderr.write(`Please answer with a number from 1 to ${options.length}.\n`);
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
