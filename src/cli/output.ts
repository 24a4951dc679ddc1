import type { Post } from "@mattermost/types/posts";
import type { Notify } from "../notify.ts";
import { print, ui } from "./ui.ts";

/**
 * What `send` and `update` report: a line for people on stderr, or one JSON object on
 * stdout. `--save-hook` without `--id` remembers the post under a generated id first.
 */
export async function printResult(options: {
  notify: Notify;
  post: Post;
  id: string | undefined;
  action: string;
  saveHook: string | undefined;
  json: boolean;
}): Promise<void> {
  const { notify, post, action, saveHook, json } = options;
  let id = options.id;
  if (saveHook !== undefined) {
    if (id === undefined) {
      id = `msg-${post.id}`;
      await notify.remember(id, post);
    }
    await notify.writeMessageHookToFile(id, saveHook);
  }
  if (json) {
    const result = { id: id ?? null, post_id: post.id, channel_id: post.channel_id, root_id: post.root_id || null, action, ...(saveHook ? { hook_file: saveHook } : {}) };
    print(`${JSON.stringify(result)}\n`);
    return;
  }
  const idText = id !== undefined ? ` as ${JSON.stringify(id)}` : "";
  ui.success(`${action}${idText} (post ${post.id})${saveHook ? `, hook written to ${saveHook}` : ""}`);
}
