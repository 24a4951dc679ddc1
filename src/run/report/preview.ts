import { hostname } from "node:os";
import { jobContext } from "../../scheduler/schedulers.ts";
import { displayCommand } from "./name.ts";
import { statusMessage } from "./render.ts";

/**
 * The status message a run would start with, for `mmn run --dry-run`: drawn by the same code as
 * the real one, from what is known before the command starts (the job, the host, no output).
 */
export function startPreview(options: {
  command: readonly string[];
  id: string;
  title: string | undefined;
  hideCommand: boolean;
  tailLines: number;
}): string {
  const { command, id, title, hideCommand, tailLines } = options;
  const now = new Date();
  return statusMessage({
    phase: "running",
    id,
    title,
    command: hideCommand ? undefined : displayCommand(command),
    ...(hideCommand ? {} : { argv: command }),
    host: hostname(),
    cwd: process.cwd(),
    startedAt: now,
    at: now,
    outputBytes: 0,
    tail: tailLines > 0 ? [] : undefined,
    job: jobContext(),
  });
}
