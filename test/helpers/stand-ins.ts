import { afterAll } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Stand-ins for a scheduler's programs (squeue, scontrol, sacct, ...), first on PATH: each
 * notes what it was asked in NAME.args and answers as its script says. One directory per test
 * file, removed after it.
 */
export function standIns() {
  const bin = mkdtempSync(join(tmpdir(), "mmn-standins-"));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  return {
    bin,
    /** A stand-in program; its script may read `$n`, how many times it was asked before. */
    add(name: string, script: string): void {
      const args = join(bin, `${name}.args`);
      writeFileSync(
        join(bin, name),
        `#!/bin/sh\nn=$(cat ${args} 2>/dev/null | wc -l)\necho "$@" >> ${args}\n${script}\n`,
      );
      chmodSync(join(bin, name), 0o755);
    },
    askedOf(name: string): string {
      try {
        return readFileSync(join(bin, `${name}.args`), "utf8");
      } catch {
        return "";
      }
    },
    /** Stand-ins that know nothing: no real Slurm on this machine may answer for the job. */
    reset(): void {
      rmSync(bin, { recursive: true, force: true });
      mkdirSync(bin);
      for (const name of ["squeue", "scontrol", "sacct", "qstat", "bjobs"]) this.add(name, "exit 1");
    },
  };
}
