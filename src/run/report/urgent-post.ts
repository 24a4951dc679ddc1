import type { Post } from "@mattermost/types/posts";
import { errorMessage, ServerError } from "../../base/errors.ts";
import type { Client } from "../../client/client.ts";
import type { Recipient } from "../../client/recipient.ts";
import type { Deadline } from "../../mattermost/api.ts";
import type { PostPriority } from "../../mattermost/endpoints.ts";
import { finalReply, type RunState } from "./render.ts";

/**
 * What is asked, most first: an urgent post whose recipients must acknowledge it and are
 * reminded until they do, then without the reminders, then urgent alone. Acks and persistent
 * notifications need a Professional licence (501 license_error.feature_unavailable without),
 * persistent notifications their own switch (403), priority itself PostPriority (403).
 */
const LADDER: readonly PostPriority[] = [
  { priority: "urgent", requested_ack: true, persistent_notifications: true },
  { priority: "urgent", requested_ack: true },
  { priority: "urgent" },
];

export interface UrgentPostOptions {
  notify: Client;
  recipient: Recipient;
  mention?: string | undefined;
  debug: (message: string) => void;
}

/**
 * The urgent root post of a failed run, linking the run's thread: a reply cannot carry a
 * priority. Asked with the most the server may allow, then less; where it allows none, nothing
 * more is posted (the reply has notified, as before) and --verbose says why.
 */
export async function postUrgent(
  options: UrgentPostOptions,
  state: RunState,
  statusPost: Post | undefined,
  deadline: Deadline,
): Promise<PostPriority | undefined> {
  const { notify, recipient, mention, debug } = options;
  const message = urgentMessage(finalReply(state, mention ? { mention } : {}), notify.serverUrl, statusPost);
  return withPriority((priority) => notify.send(message, recipient, { priority, deadline }), debug);
}

/**
 * What an urgent root post says: the event's words and a link to the run's thread.
 * `/_redirect/pl/ID` is the webapp's permalink without a team (it goes on in any team of
 * the user's, a DM's post too), and the phone apps read `_redirect` as the current team.
 */
export function urgentMessage(words: string, serverUrl: string, statusPost: Post | undefined): string {
  const link = statusPost?.id
    ? `\n[the job's thread](${serverUrl}/_redirect/pl/${statusPost.root_id || statusPost.id})`
    : "";
  return `🚨 ${words}${link}`;
}

/**
 * A post sent with the most priority the server allows, asked again with less after each
 * refusal: the priority it went with, or undefined when none was allowed (nothing posted) or
 * the post failed for another reason (said to --verbose).
 */
export async function withPriority(
  send: (priority: PostPriority) => Promise<unknown>,
  debug: (message: string) => void,
  what = "the failure",
): Promise<PostPriority | undefined> {
  for (let step = 0; step < LADDER.length; step++) {
    const priority = LADDER[step]!;
    try {
      await send(priority);
      debug(`${what} is told urgently (${describe(priority)})`);
      return priority;
    } catch (error) {
      if (!isPriorityRefusal(error)) {
        debug(`the urgent post was not made: ${errorMessage(error)}`);
        return undefined;
      }
      debug(`the server refused ${describe(priority)}: ${errorMessage(error)}`);
      // Without the licence, acks are refused as reminders are: straight to urgent alone.
      if (error.serverId === "license_error.feature_unavailable") step = LADDER.length - 2;
      // Forbidden without reminders asked: PostPriority itself is off (api4's postPriorityCheck
      // gives the same 403 for persistent notifications off), so urgent alone would be too.
      else if (error.status === 403 && !priority.persistent_notifications) break;
    }
  }
  debug(`the server allows no message priority here: ${what} is told without`);
  return undefined;
}

function describe(priority: PostPriority): string {
  const extras = [
    ...(priority.requested_ack ? ["acknowledgement requested"] : []),
    ...(priority.persistent_notifications ? ["persistent notifications"] : []),
  ];
  return extras.length ? `${priority.priority}, ${extras.join(", ")}` : `${priority.priority} priority`;
}

/** The server's no to a priority (off, unlicensed, not for this channel), not a failure of the post itself. */
function isPriorityRefusal(error: unknown): error is ServerError {
  return (
    error instanceof ServerError &&
    (error.status === 400 || error.status === 403 || error.status === 501) &&
    (error.serverId === undefined ||
      error.serverId.startsWith("api.post.post_priority.") ||
      error.serverId === "license_error.feature_unavailable")
  );
}
