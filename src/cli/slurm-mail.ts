import { errorMessage, UsageError } from "../base/errors.ts";
import { mailEvent } from "../mail/event.ts";
import { Spool } from "../mail/spool.ts";
import { defineCommand } from "./command.ts";
import { cliConfig } from "./context.ts";
import { ui } from "./ui.ts";

export default defineCommand({
  name: "mmn slurm-mail",
  description:
    "Slurm's MailProg for a whole site: slurmctld calls it as `MailProg -s SUBJECT RECIPIENT` for every job submitted with --mail-type. It only hands the event to the spool (spool= in MMN_CONFIG, else /var/spool/mmn, the service user's own 0700 directory) and returns at once, never holding up slurmctld; `mmn relay` run as that user with the same MMN_CONFIG delivers it: one message per job, edited from BEGIN to END, each event a reply that notifies. The recipient (--mail-user, else the job's user) is the Mattermost user of the same name, the one mail-map= maps it to, or @name.",
  operands: [{ name: "recipient", description: "the mail's recipient, as Slurm passes it", valueHint: "RECIPIENT" }],
  flags: {
    subject: {
      type: "string",
      alias: "s",
      description: "the mail's subject, as Slurm passes it",
      valueHint: "SUBJECT",
    },
  },
  examples: `  # /etc/slurm/mmn-mail, named in slurm.conf as MailProg=/etc/slurm/mmn-mail:
  #!/bin/sh
  MMN_CONFIG=/etc/mmn/site.rc exec mmn slurm-mail "$@"`,
  async run({ flags, operands }, ctx) {
    const argv = [...(flags.subject !== undefined ? ["-s", flags.subject] : []), ...operands];
    const event = mailEvent(argv, ctx.env);
    if ("error" in event) throw new UsageError(`slurm-mail: ${event.error}`);
    const loaded = await cliConfig(ctx);
    const spool = new Spool(loaded.config.spool);
    try {
      await spool.put(event);
    } catch (error) {
      // slurmctld logs MailProg's stderr: the admin reads why there.
      throw new UsageError(`slurm-mail: job ${event.jobId}'s event not kept in ${spool.dir}: ${errorMessage(error)}`);
    }
    ui.debug(`job ${event.jobId} ${event.type} for ${event.recipient} kept in ${spool.dir}`);
    return 0;
  },
});
