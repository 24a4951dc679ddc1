import { accessSync, closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

export type Resolved = { path: string } | { code: 126 | 127; error: string };

/**
 * Finds the program like a shell does, so that a failure gets the shell's exit
 * code: 127 when nothing is found, 126 when what is found cannot be executed (not
 * executable, a directory). A name with a slash is taken as a path; otherwise PATH
 * is searched, an empty entry meaning the working directory.
 */
export function resolveCommand(name: string, path: string | undefined, cwd: string): Resolved {
  if (name === "") return { code: 127, error: "command not found: (empty)" };
  if (name.includes("/")) {
    const full = isAbsolute(name) ? name : resolve(cwd, name);
    const kind = probe(full);
    if (kind === "exec") return { path: full };
    if (kind === "missing") return { code: 127, error: `no such file: ${name}` };
    return { code: 126, error: kind === "dir" ? `is a directory: ${name}` : `permission denied: ${name}` };
  }
  let denied: string | undefined;
  for (const dir of (path ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter)) {
    const full = resolve(cwd, join(dir, name));
    const kind = probe(full);
    if (kind === "exec") return { path: full };
    if (kind === "noexec") denied ??= full;
  }
  if (denied) return { code: 126, error: `permission denied: ${denied}` };
  return { code: 127, error: `command not found: ${name}` };
}

function probe(file: string): "exec" | "noexec" | "dir" | "missing" {
  try {
    if (statSync(file).isDirectory()) return "dir";
  } catch {
    return "missing";
  }
  try {
    accessSync(file, constants.X_OK);
    return "exec";
  } catch {
    return "noexec";
  }
}

/**
 * The interpreter a script's `#!` line names, when the script has one: exec failing with
 * ENOENT on a file that is there means that program is missing. Shown as bash shows it, a
 * carriage return as ^M: a script saved with Windows line endings names `/bin/bash\r`.
 */
export function missingInterpreter(script: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(script, "r");
    const head = Buffer.alloc(256);
    const line = head
      .subarray(0, readSync(fd, head, 0, head.length, 0))
      .toString("latin1")
      .split("\n")[0]!;
    if (!line.startsWith("#!")) return undefined;
    const interpreter = /^[ \t]*([^ \t]+)/.exec(line.slice(2))?.[1];
    return interpreter?.replace(/\r/g, "^M");
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
