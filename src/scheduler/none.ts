import type { Scheduler } from "./scheduler.ts";

/** No scheduler: a laptop, a server, a job mmn does not know the scheduler of. Nothing to ask, nothing given. */
export const none: Scheduler = {
  kind: "none",
  words: {
    name: "no scheduler",
    queue: "Queue",
    cluster: "Cluster",
    stoppers: "kill",
    signalSenders: "kill",
    cancel: "kill",
  },
  explainsSignals: false,
  current: () => undefined,
  arrayTask: () => undefined,
  mainProcess: () => "not-batch",
  allocated: () => ({}),
  idText: (job) => job.jobId,
  installed: () => false,
  job: async () => undefined,
  timeLimit: async () => undefined,
  state: async () => undefined,
  earlierRuns: async () => undefined,
  accounting: async () => undefined,
};
