import { afterAll, beforeAll, beforeEach } from "bun:test";
import type { Post } from "@mattermost/types/posts";
import { startTestServer, type TestServer } from "../server/index.ts";
import { type Sandbox, sandbox } from "./cli.ts";

/**
 * For the `mmn run` suites: one test server for the file (uploads over 64 KiB refused),
 * and before every test a reset server and a fresh sandbox that DMs alice, handed to `use`.
 */
export function useRunServer(use: (server: TestServer, box: Sandbox) => void): void {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ maxFileSize: 64 * 1024 });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    use(server, sandbox(server, { user: "alice" }));
  });
}

/** The posts of the DM between the bot and alice, oldest first. */
export const alicePosts = (server: TestServer): Post[] =>
  server.postsIn(server.dmChannelWith(server.users.alice.id)?.id ?? "none");

/** The coloured card of a run's status post (its first attachment). */
export type StatusCard = { color: string; fields: Array<{ title: string; value: string }>; footer: string };

export const statusCard = (post: Post): StatusCard => (post.props.attachments as StatusCard[])[0]!;

/** A field of the status card, by its title. */
export const cardField = (post: Post, title: string): string | undefined =>
  statusCard(post).fields.find((f) => f.title === title)?.value;
