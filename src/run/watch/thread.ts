/**
 * The watcher's side of "one thread per job" (jobs/threads.ts): the thread another speaker
 * opened for a job, and what the watcher adds to a run's own message instead of a status.
 */
import type { Post } from "@mattermost/types/posts";
import { joinPath } from "../../base/disk.ts";
import type { Client } from "../../client/client.ts";
import type { FileInput } from "../../client/files.ts";
import { defaultHookDir } from "../../hooks/hooks.ts";
import { type JobThread, type JobThreads, sameServer } from "../../jobs/threads.ts";
import { saysRunning } from "../../relay/words.ts";
import { ArrayState } from "../array/tasks.ts";

/** The job's thread: another speaker's (its `mmn run`), or the message an earlier watch posted; neither when there is none on this server. */
export async function jobThread(
  threads: JobThreads,
  notify: Client,
  key: string,
): Promise<{ foreign?: JobThread; post?: Post }> {
  const found = await threads.find(key);
  if (!found || !sameServer(found.server, notify.serverUrl)) return {};
  if (found.by !== "watch") return { foreign: found };
  const post = await notify.post({ id: found.postId }).catch(() => undefined);
  return post ? { post } : {};
}

/**
 * Lines added to a run's message once it no longer says running: "told" when they are there
 * (now or before), "waiting" while the run (or the relay) has not told its end yet.
 */
export async function addToRunsMessage(notify: Client, postId: string, lines: string[]): Promise<"told" | "waiting"> {
  const post = await notify.post({ id: postId });
  if (saysRunning(post.message)) return "waiting";
  if (post.message.includes(lines[0]!)) return "told";
  const props = post.props as Record<string, unknown> | undefined;
  await notify.edit(post, { message: `${post.message}\n${lines.join("\n")}`, ...(props ? { props } : {}) });
  return "told";
}

/** Whether an array's tasks keep the watch's post as their board (their board-post.json names it). */
export async function drawnByTasks(boardId: string, postId: string): Promise<boolean> {
  const left = await new ArrayState(joinPath(defaultHookDir(), ".arrays", boardId)).boardPost().catch(() => undefined);
  return left?.postId === postId;
}

/** A reply in the thread of a post the watcher made: it notifies. */
export async function replyTo(notify: Client, post: Post, text: string, files: FileInput[] = []): Promise<void> {
  const key = `watch:${post.id}`;
  await notify.hooks.set({ id: key, channelId: post.channel_id, postId: post.id });
  await notify.reply(text, { to: key, ...(files.length ? { files } : {}) });
}
