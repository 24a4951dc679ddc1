// A Mattermost-compatible HTTP server for tests: the REST v4 calls mmn makes, fixtures, request
// recording, injected faults and an optional rate limiter. Runs on node:http in Bun and Node.
import type { ServerResponse } from "node:http";
import type { ServerChannel } from "@mattermost/types/channels";
import type { Team } from "@mattermost/types/teams";
import type { UserProfile } from "@mattermost/types/users";
import type { ServerConfig } from "./context.ts";
import { type DispatchDeps, dispatch } from "./dispatch.ts";
import { Faults } from "./faults.ts";
import { makeChannel, makeTeam, makeUser } from "./fixtures.ts";
import { Listener } from "./listener.ts";
import { RateLimiter } from "./rate-limit.ts";
import { seed } from "./seed.ts";
import { Store } from "./store.ts";
import type { RecordedRequest, TestServer, TestServerOptions } from "./types.ts";
import { makeWebhook } from "./webhooks.ts";

export type { RecordedRequest, TestServer, TestServerOptions } from "./types.ts";

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const store = new Store();
  const fixtures = seed(store);
  const config: ServerConfig = {
    maxFileSize: opts.maxFileSize ?? 100 * 1024 * 1024,
    version: opts.version ?? "10.5.0",
    buildNumber: "test",
    strictMultipartOrder: opts.strictMultipartOrder ?? true,
    incomingWebhooks: opts.incomingWebhooks ?? true,
    postPriority: opts.postPriority ?? "off",
    postEditTimeLimit: -1,
    url: "",
  };
  const requests: RecordedRequest[] = [];
  const faults = new Faults();
  const limiter = opts.rateLimit ? new RateLimiter(opts.rateLimit) : undefined;
  const hanging = new Set<ServerResponse>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const deps: DispatchDeps = { store, config, faults, limiter, requests, hanging, sleep, onRequest: opts.onRequest };
  const listener = new Listener((req, res) => void dispatch(deps, req, res));
  const port = await listener.listen(opts.port ?? 0);
  config.url = `http://127.0.0.1:${port}`;

  const server: TestServer = {
    url: config.url,
    port,
    token: store.tokenFor(fixtures.bot.id),
    bot: fixtures.bot,
    team: fixtures.team,
    users: fixtures.users,
    channels: fixtures.channels,
    requests,
    posts: store.posts,
    files: store.files,
    fault: (f) => faults.add(f),
    hold(method, path, options = {}) {
      let arrive = () => {};
      let release = () => {};
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const until = new Promise<void>((resolve) => (release = resolve));
      faults.add({ kind: "delay", method, path, times: 1, until, arrived: arrive, ...options });
      return { arrived, release };
    },
    clearFaults: () => faults.clear(),
    forgetPendingPosts: () => store.forgetPending(),
    react(userId, postId, emojiName) {
      const reaction = { user_id: userId, post_id: postId, emoji_name: emojiName, create_at: Date.now() };
      const list = (store.reactions.get(postId) ?? []).filter(
        (r) => !(r.user_id === userId && r.emoji_name === emojiName),
      );
      store.reactions.set(postId, [...list, reaction]);
    },
    editTimeLimit(seconds) {
      config.postEditTimeLimit = seconds;
    },
    reset() {
      config.postEditTimeLimit = -1;
      requests.length = 0;
      faults.clear();
      limiter?.clear();
      store.clearActivity();
    },
    refuse: () => listener.stop(),
    accept: async () => {
      await listener.listen(port);
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await listener.close();
      hanging.clear();
    },
    addUser(username: string): UserProfile {
      if (store.userByName(username)) throw new Error(`user ${username} exists`);
      const user = store.addUser(makeUser(username));
      store.addTeamMember(fixtures.team.id, user.id);
      return user;
    },
    addChannel(name: string, o: { type: "O" | "P"; members: string[] }): ServerChannel {
      if (store.channelByName(fixtures.team.id, name)) throw new Error(`channel ${name} exists`);
      return store.addChannel(makeChannel(fixtures.team.id, name, o.type, fixtures.users.alice.id), o.members);
    },
    addTeam(name: string, displayName?: string) {
      const team: Partial<Team> = makeTeam(name, displayName ?? "");
      if (displayName === undefined) delete team.display_name;
      return store.addTeam(team as Team, [fixtures.bot.id, fixtures.users.alice.id]);
    },
    tokenFor(userId: string): string {
      if (!store.users.has(userId)) throw new Error(`no user ${userId}`);
      return store.tokenFor(userId);
    },
    postsIn: (channelId: string) => store.postsIn(channelId),
    addWebhook(channel, options = {}) {
      const hook = makeWebhook(store, channel, options.owner ?? fixtures.users.alice.id, options);
      return { id: hook.id, url: `${config.url}/hooks/${hook.id}` };
    },
    deleteWebhook: (id: string) => void store.webhooks.delete(id),
    settings: config,
    dmChannelWith: (userId: string) => store.findDirectChannel(fixtures.bot.id, userId),
  };
  return server;
}
