/**
 * A step of an `afterok` chain whose dependency failed never starts, so its `mmn run --thread`
 * never speaks: mmn relay finds it (Slurm's DependencyNeverSatisfied, stand-ins here), reads
 * `--thread` from its script, and says so in the thread, once.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { standIns } from "../helpers/stand-ins.ts";
import type { TestServer } from "../server/index.ts";

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});
const slurm = standIns();
const env = () => ({ ...box.env, PATH: `${slurm.bin}:${box.env.PATH}` });

describe("mmn relay and a step that will never run", () => {
  test("the failed chain's thread is told that the next step will never run, once; a job without --thread is left", async () => {
    slurm.reset();
    expect((await mmn(box, ["run", "--thread", "chain", "--", "sh", "-c", "exit 2"], { env: env() })).code).toBe(2);
    const [root, ...others] = alicePosts(server).filter((p) => !p.root_id);
    expect(others).toEqual([]);
    slurm.add(
      "squeue",
      'case "$*" in *"-t PD"*) printf "6002|DependencyNeverSatisfied|step2\\n6003|DependencyNeverSatisfied|other\\n6004|Dependency|step3\\n";; *) exit 0;; esac',
    );
    slurm.add(
      "scontrol",
      'case "$*" in *"batch_script 6002 -"*) printf "#!/bin/sh\\n# This script was created by sbatch --wrap.\\n\\nexec mmn run --thread chain -- ./step2.sh\\n";; *"batch_script 6003 -"*) printf "#!/bin/sh\\n./other.sh\\n";; *) exit 1;; esac',
    );
    const before = alicePosts(server).length;
    const first = await mmn(box, ["relay", "--once"], { env: env() });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("told: job 6002 in thread chain: step step2 will never run\n");
    const told = alicePosts(server).slice(before);
    expect(told.map((p) => p.message)).toEqual([
      "⛔ step step2 (job 6002) will never run: its dependency failed (Slurm: DependencyNeverSatisfied)",
    ]);
    expect(told[0]!.root_id).toBe(root!.root_id || root!.id);
    expect(slurm.askedOf("squeue")).toContain("-t PD -o %A|%r|%j");

    const again = await mmn(box, ["relay", "--once"], { env: env() });
    expect(again).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(alicePosts(server).length).toBe(before + 1);
  });

  test("a step whose policy does not push never-runs (its own --on end, else on= of the configuration): a line on the thread's first message, no reply", async () => {
    slurm.reset();
    expect((await mmn(box, ["run", "--thread", "chain", "--", "sh", "-c", "exit 2"], { env: env() })).code).toBe(2);
    const root = alicePosts(server).find((p) => !p.root_id)!;
    slurm.add("squeue", 'case "$*" in *"-t PD"*) printf "6002|DependencyNeverSatisfied|step2\\n";; *) exit 0;; esac');
    slurm.add(
      "scontrol",
      'case "$*" in *"batch_script 6002 -"*) printf "#!/bin/sh\\nexec mmn run --on end --thread chain -- ./step2.sh\\n";; *) exit 1;; esac',
    );
    const before = alicePosts(server).length;
    const told = await mmn(box, ["relay", "--once"], { env: env() });
    expect(told).toEqual({
      code: 0,
      stdout: "told: job 6002 in thread chain: step step2 will never run\n",
      stderr: "",
    });
    expect(alicePosts(server).length).toBe(before);
    const now = () => server.postsIn(root.channel_id).find((p) => p.id === (root.root_id || root.id))!.message;
    expect(now()).toEndWith(
      "\n⛔ step step2 (job 6002) will never run: its dependency failed (Slurm: DependencyNeverSatisfied)",
    );

    // No --on in the script: the configuration's on= decides.
    slurm.add("squeue", 'case "$*" in *"-t PD"*) printf "6005|DependencyNeverSatisfied|step5\\n";; *) exit 0;; esac');
    slurm.add(
      "scontrol",
      'case "$*" in *"batch_script 6005 -"*) printf "#!/bin/sh\\nexec mmn run --thread chain -- ./step5.sh\\n";; *) exit 1;; esac',
    );
    writeFileSync(join(box.home, ".mmnrc"), `${readFileSync(join(box.home, ".mmnrc"), "utf8")}on=begin,end\n`);
    expect((await mmn(box, ["relay", "--once"], { env: env() })).code).toBe(0);
    expect(alicePosts(server).length).toBe(before);
    expect(now()).toEndWith(
      "\n⛔ step step5 (job 6005) will never run: its dependency failed (Slurm: DependencyNeverSatisfied)",
    );
  });
});
