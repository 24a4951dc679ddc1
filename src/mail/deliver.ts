/**
 * `mmn relay` as the site's service user: the spool that slurm-mail filled, delivered. One
 * message per job, found by its id in the job thread store (a wrapped run or a watcher may
 * have made it): the first event posts it, each later one edits it and replies in its thread,
 * which notifies. A recipient mmn cannot map to a Mattermost user is logged for the admin and
 * the event dropped: it never goes anywhere else.
 */
import type { Post } from "@mattermost/types/posts";
import { errorMessage, isTransient } from "../base/errors.ts";
import type { Client } from "../client/client.ts";
import { JobThreads, threadKey } from "../jobs/threads.ts";
import { boardLine, fold, isEnd, parseBoard } from "./board.ts";
import type { MailEvent } from "./event.ts";
import { type MailMap, mattermostUser } from "./recipients.ts";
import type { Spool } from "./spool.ts";
import { mailLine } from "./words.ts";

export interface SpoolOptions {
  spool: Spool;
  map: MailMap;
  threads?: JobThreads;
  info: (line: string) => void;
  warn: (message: string) => void;
}

export async function deliverSpool(notify: Client, options: SpoolOptions): Promise<{ failed: number }> {
  const { spool, map, info, warn } = options;
  const threads = options.threads ?? new JobThreads();
  let failed = 0;
  for (const { name, event } of await spool.list(warn)) {
    const user = mattermostUser(event.recipient, map);
    if (!user) {
      warn(
        `slurm-mail: job ${event.jobId}'s recipient ${JSON.stringify(event.recipient)} is no Mattermost user: not sent (map it in mail-map=)`,
      );
      await spool.remove(name);
      continue;
    }
    try {
      if (event.arrayJobId) await deliverToBoard(notify, threads, spool, event, user);
      else await deliverOne(notify, threads, event, user);
      info(`job ${event.jobId} ${event.type.toLowerCase()} → @${user}`);
      await spool.remove(name);
    } catch (error) {
      if (isTransient(error)) {
        failed++;
        warn(`slurm-mail: job ${event.jobId}: ${errorMessage(error)}; tried again on the next pass`);
        // Later events of the same job wait behind this one: one message, in order.
        break;
      }
      warn(`slurm-mail: job ${event.jobId} for @${user}: ${errorMessage(error)}: not sent`);
      await spool.remove(name);
    }
  }
  return { failed };
}

async function deliverOne(notify: Client, threads: JobThreads, event: MailEvent, user: string): Promise<void> {
  const key = threadKey("slurm", event.jobId);
  const line = mailLine(event);
  const found = await threads.find(key);
  if (found && found.server === notify.serverUrl) {
    // A wrapped run's or a watcher's status says more than a mail can: theirs stays, the reply adds.
    if (found.by === "mail") await notify.edit({ id: found.postId }, { message: line });
    await notify.send(line, { user }, { rootId: found.postId });
    return;
  }
  await claimNew(notify, threads, key, await notify.send(line, { user }));
}

/**
 * An array's event on its one board: the first posts it, later ones edit it; a task's failure
 * and the array's end reply, which notifies, and nothing else does (a thousand tasks' starts
 * and successes would be a thousand pushes).
 */
async function deliverToBoard(
  notify: Client,
  threads: JobThreads,
  spool: Spool,
  event: MailEvent,
  user: string,
): Promise<void> {
  const arrayId = event.arrayJobId!;
  const board = fold(parseBoard(await spool.readBoard(arrayId)), event);
  const { line, done } = boardLine(arrayId, board);
  const key = threadKey("slurm", arrayId, { array: true });
  const found = await threads.find(key);
  if (found && found.server === notify.serverUrl) {
    if (found.by === "mail") await notify.edit({ id: found.postId }, { message: line });
    const failedTask = !event.summary && isEnd(event) && board.tasks[event.arrayTaskId ?? ""]?.state !== "COMPLETED";
    if (done) await notify.send(line, { user }, { rootId: found.postId });
    else if (failedTask) await notify.send(mailLine(event), { user }, { rootId: found.postId });
  } else {
    await claimNew(notify, threads, key, await notify.send(line, { user }));
  }
  await spool.writeBoard(arrayId, JSON.stringify(board));
}

/** The mail's new post claims the job's thread (the first speaker wins: jobs/threads.ts). */
async function claimNew(notify: Client, threads: JobThreads, key: string, post: Post): Promise<void> {
  await threads.claim({
    key,
    postId: post.id,
    channelId: post.channel_id,
    server: notify.serverUrl,
    by: "mail",
    at: Date.now(),
  });
}
