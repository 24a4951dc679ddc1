import { hostname, userInfo } from "node:os";
import { errnoText } from "../base/disk.ts";
import { UsageError } from "../base/errors.ts";
import type { Client } from "../client/client.ts";
import { pickRecipient } from "../client/recipient.ts";
import { MemoryHookStore } from "../hooks/hooks.ts";
import { deliverSpool } from "../mail/deliver.ts";
import { readMailMap } from "../mail/recipients.ts";
import { Spool } from "../mail/spool.ts";
import { deliverOutbox } from "../outbox/index.ts";
import { tellNeverRun } from "../relay/never-run.ts";
import { reconcile } from "../relay/reconcile.ts";
import { RunRegistry } from "../relay/registry.ts";
import { closeArrays, watcher } from "../run/index.ts";
import { installedScheduler } from "../scheduler/schedulers.ts";
import { DEFAULT_POLL_S, jsonFlag, pollSeconds } from "./_shared.ts";
import { defineCommand } from "./command.ts";
import { connect } from "./connect.ts";
import { relayStatus } from "./relay-status.ts";
import { configSettings } from "./run-options.ts";
import { watchPollMs } from "./run-timing.ts";
import { print, ui } from "./ui.ts";

export default defineCommand({
  name: "mmn relay",
  description: `On a login node (or any machine that reaches the server and shares your home directory): delivers what runs kept in the outbox on the shared home (a compute node without a route, a server down at a job's end), then finds the runs of \`mmn run\` whose status still says running but whose job is over (Slurm's squeue, sacct or scontrol; PBS's and LSF's own) or whose process is gone from this host, and gives each the scheduler's word: the status edited ("ended without a word from mmn: Slurm says CANCELLED by alice after 2h 03m"), and a reply that notifies, with why mmn could not speak and how to make it. It closes the board of a job array none of whose tasks is left pending or running (a scancel of the whole array), counting the tasks that never ran, and, while an array runs, tells on its board its tasks that died unheard; and says in a \`--thread\` that a step waiting on a dependency that failed (DependencyNeverSatisfied) will never run. Each run and each board is told once, however many relays run. Runs are registered in ${"$"}MMN_HOOK_DIR/.runs, else ~/.local/state/mmn/hooks/.runs. With spool= in the configuration (the site's relay, run as Slurm's SlurmUser with the site's MMN_CONFIG), it also delivers what \`mmn slurm-mail\` kept there: one message per job, an array as one board.`,
  flags: {
    once: { type: "boolean", description: "one pass, then exit (for cron and scrontab)" },
    poll: {
      type: "string",
      description: `without --once: seconds between passes (default ${DEFAULT_POLL_S})`,
      valueHint: "SECONDS",
    },
    status: {
      type: "boolean",
      description:
        "what waits in the outbox (every host's: a line a post, how many messages, since when, whether a relay is delivering it) and the runs that still say running; asks no one",
    },
    watch: {
      type: "boolean",
      description:
        "also follow every job of yours as `mmn watch --all` does, each pass: one message per job, one thread with its run's (not with --once)",
    },
    ...jsonFlag,
  },
  examples: `  mmn relay --once                        # one pass: cron, scrontab
  mmn relay --poll 60                     # for ever, a pass a minute: a user's systemd unit, tmux
  mmn relay --status                      # what is queued and registered, and since when
  mmn relay --watch --poll 30             # and every job of yours, wrapped or not, one message each
  crontab:   */5 * * * * mmn relay --once
  scrontab:  #SCRON --time=00:02:00
             */5 * * * * mmn relay --once`,
  async run({ flags }, ctx) {
    const registry = new RunRegistry();
    if (flags.status) return relayStatus(registry, ctx.env, flags.json === true);
    if (flags.json) throw new UsageError("--json is for mmn relay --status");
    const pollS = pollSeconds(flags.poll);
    if (flags.once && flags.poll !== undefined)
      throw new UsageError("--once makes one pass: --poll is for the relay that keeps going");
    if (flags.once && flags.watch)
      throw new UsageError("--watch follows jobs from pass to pass: it is for the relay that keeps going, not --once");
    // The relay's replies are found by the post's ids it registered, never through the user's hooks.
    const { notify, config } = await connect(ctx, {}, { hooks: new MemoryHookStore() }, { keep: true });
    const host = hostname();
    // on= as mmn run and mmn watch read it: for the steps that never ran and the jobs watched.
    const { on } = configSettings(config, {}, ui.warn, ["on"]);
    // The outbox first: a run's own final word, kept there, makes the scheduler's needless.
    const steps: Array<() => Promise<{ failed: number }>> = [
      () => deliverKept(notify),
      () => reconcile({ registry, notify, host, info: (line) => print(`told: ${line}\n`), warn: ui.warn }),
      () => closeArrays({ notify, info: (line) => print(`told: ${line}\n`), warn: ui.warn }),
      () =>
        tellNeverRun({
          registry,
          notify,
          policy: on,
          info: (line) => print(`told: ${line}\n`),
          warn: ui.warn,
        }),
    ];
    // The site's relay (its service user, the site's MMN_CONFIG): what slurm-mail kept.
    const spool = config.config.spool;
    if (spool) {
      const map = await readMailMap(config.config["mail-map"]).catch((error: unknown) => {
        throw new UsageError(`mail-map=${config.config["mail-map"]}: ${errnoText(error)}`);
      });
      steps.push(() =>
        deliverSpool(notify, { spool: new Spool(spool), map, info: (line) => print(`mail: ${line}\n`), warn: ui.warn }),
      );
    }
    if (flags.watch) {
      const recipient = pickRecipient({}, config.config);
      if (!recipient)
        throw new UsageError("--watch posts to your default recipient: there is none", {
          hint: "set user= or channel= with `mmn setup`",
        });
      const jobs = await watcher({
        notify,
        recipient,
        scheduler: installedScheduler(),
        jobs: "mine",
        registry,
        policy: on,
        user: process.env.USER ?? userInfo().username,
        info: (line) => print(`watched: ${line}\n`),
        warn: ui.warn,
      });
      steps.push(() => jobs.pass());
    }
    // Stopped (systemd, tmux's ^C) between passes, or after the one under way: no claim is left behind.
    let stopping = false;
    let wake = () => {};
    const stop = () => {
      stopping = true;
      wake();
    };
    if (!flags.once) for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, stop);
    for (;;) {
      let failed = 0;
      for (const step of steps) failed += (await step()).failed;
      if (flags.once) return failed ? 1 : 0;
      if (stopping) return 0;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, watchPollMs(ctx.env, pollS));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopping) return 0;
    }
  },
});

/** Every host's outbox delivered, as far as the server takes it now; what is left waits for the next pass. */
async function deliverKept(client: Client): Promise<{ failed: number }> {
  const counts = await deliverOutbox(client, { warn: ui.warn });
  if (counts.delivered) print(`delivered: ${counts.delivered} kept message${counts.delivered === 1 ? "" : "s"}\n`);
  if (counts.left)
    ui.debug(`${counts.left} kept in the outbox, the oldest for ${Math.round((counts.oldestMs ?? 0) / 1000)} s`);
  return { failed: counts.failed };
}
