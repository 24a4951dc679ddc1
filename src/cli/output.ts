import type { Post } from "@mattermost/types/posts";
import { AfterSendError } from "../base/errors.ts";
import type { Client } from "../client/client.ts";
import { writeHookFile } from "../hooks/hook-file.ts";
import { isQueued } from "../outbox/courier.ts";
import { print, ui } from "./ui.ts";

/**
 * What `send` and `update` report: a line for people on stderr, or one JSON object on
 * stdout. `--save-hook` without `--id` remembers the post under a generated id first.
 * What was sent is reported even when its hook could not be written, which fails after.
 * Inside `mmn run` (MMN_RUN_ID is set for its command) the person's line is left out, as with
 * --quiet, unless --verbose: the job's stderr is its output, in the live tail and the log, and
 * the post says itself that it was sent. Errors still go there, and --json still prints.
 */
export async function printResult(options: {
  notify: Client;
  post: Post;
  id: string | undefined;
  action: string;
  saveHook: string | undefined;
  json: boolean;
}): Promise<void> {
  const { notify, post, action, saveHook, json } = options;
  let id = options.id;
  let hookError: unknown;
  if (saveHook !== undefined) {
    try {
      if (id === undefined) {
        id = `msg-${post.id}`;
        await notify.remember(id, post);
      }
      await writeHookFile(saveHook, await notify.hook(id));
    } catch (error) {
      hookError = error;
    }
  }
  const hookFile = saveHook !== undefined && hookError === undefined ? saveHook : undefined;
  // A failure after the send is one object too, main's, which names the post.
  if (json && hookError === undefined) {
    const result = {
      id: id ?? null,
      post_id: post.id || null,
      channel_id: post.channel_id || null,
      root_id: post.root_id || null,
      action: isQueued(post) ? "queued" : action,
      ...(hookFile ? { hook_file: hookFile } : {}),
    };
    print(`${JSON.stringify(result)}\n`);
  } else if (!json) {
    const idText = id !== undefined ? ` as ${JSON.stringify(id)}` : "";
    const what = isQueued(post)
      ? `queued${idText}: mmn relay on a node that reaches the server will deliver it`
      : post.id
        ? `${action}${idText} (post ${post.id})`
        : `${action} through the incoming webhook (it names no post)`;
    const line = `${what}${hookFile ? `, hook written to ${hookFile}` : ""}`;
    if (process.env.MMN_RUN_ID) ui.debug(`✔ ${line}`);
    else ui.success(line);
  }
  if (hookError !== undefined) throw new AfterSendError(post, hookError);
}
