import type { SpawnOptions, Subprocess } from "bun";

/** What a spawned process printed, and how it ended: read side by side, as a full pipe would block it. */
export async function outputOf(
  proc: Subprocess<SpawnOptions.Writable, "pipe", "pipe">,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}
