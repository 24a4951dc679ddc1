/**
 * Asks a scheduler's program (squeue, scontrol, qstat, bjobs) or nvidia-smi: found on PATH
 * as the user's shell would, bounded in time and in what is read, never in the way of the
 * job. Any failure is no answer.
 */

const MAX_OUTPUT = 256 * 1024;

export async function ask(argv: string[], timeoutMs: number): Promise<string | undefined> {
  const program = argv[0] && Bun.which(argv[0]);
  if (!program) return undefined;
  let proc: ReturnType<typeof Bun.spawn<"ignore", "pipe", "ignore">>;
  try {
    proc = Bun.spawn([program, ...argv.slice(1)], { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
  } catch {
    return undefined;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A grandchild holding the pipe open would keep the stream going after the kill: the answer is given up at once.
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      proc.kill("SIGKILL");
      resolve(undefined);
    }, timeoutMs);
  });
  const work = Promise.all([bounded(proc.stdout), proc.exited]).then(
    ([output, code]) => (code === 0 ? output : undefined),
    () => undefined,
  );
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function bounded(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_OUTPUT) continue;
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
