/** What the watcher keeps of each job it follows (watcher.ts): its message, its story, who else speaks of it. */
import type { Post } from "@mattermost/types/posts";
import type { JobThread } from "../../jobs/threads.ts";
import type { ArrayStory } from "./array.ts";
import type { JobStory } from "./story.ts";
import type { Verdict } from "./words.ts";

export interface Speaker {
  post?: Post;
  text?: string;
  finished: boolean;
}
export interface Single extends Speaker {
  story: JobStory;
  foreign?: JobThread;
  foreignTries: number;
  /** An `mmn run` inside the job registered: its own end reply pushed already. */
  wrapped: boolean;
  verdict?: Verdict;
  stdout?: string | null;
}
export interface Board extends Speaker {
  story: ArrayStory;
  foreign?: JobThread;
  /** Tasks whose end a reply told. */
  told: Set<string>;
}
