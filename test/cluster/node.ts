// The cluster's one node set DOWN by an administrator (as slurmctld does to a node that stops
// answering), and back in service after, so that a file's next tests find it idle.
import type { Cluster } from "./slurm.ts";

/** This cluster's one node. */
async function nodeName(cluster: Cluster): Promise<string> {
  const proc = Bun.spawn(["sinfo", "-h", "-o", "%N"], { env: cluster.env, stdout: "pipe" });
  return (await new Response(proc.stdout).text()).trim();
}

/** `run` gets `down`, which sets the node DOWN; the node is resumed after, whatever `run` did. */
export async function withNodeDown(cluster: Cluster, run: (down: () => Promise<void>) => Promise<void>): Promise<void> {
  const node = await nodeName(cluster);
  try {
    await run(() => cluster.scontrol(["update", `nodename=${node}`, "state=down", "reason=test"]));
  } finally {
    await resume(cluster, node);
  }
}

/** The node idle again: ReturnToService=2 may have done it, and then "resume" is refused. */
async function resume(cluster: Cluster, node: string): Promise<void> {
  await Bun.spawn(["scontrol", "update", `nodename=${node}`, "state=resume"], {
    env: cluster.env,
    stderr: "ignore",
  }).exited;
  for (let tries = 0; ; tries++) {
    const show = Bun.spawn(["scontrol", "show", "node", node], { env: cluster.env, stdout: "pipe" });
    const said = await new Response(show.stdout).text();
    if (/ State=IDLE /.test(said)) return;
    if (tries > 150) {
      console.log(`node ${node} not idle again: ${said}`);
      return;
    }
    await Bun.sleep(200);
  }
}
