/**
 * Steps of a dependency chain that will never run: a job submitted with
 * `--dependency=afterok:X` whose X failed waits for ever (Slurm's DependencyNeverSatisfied),
 * and its `mmn run --thread ID` never starts, so it never registered. The relay asks the
 * scheduler for such jobs, reads `--thread` from their scripts, and says in that thread that
 * the step will never run: once (a mark made by an exclusive create), however many relays run.
 * A reply where the step's policy (its own `--on`, else the configuration's) pushes
 * `never-runs`; else a line added to the thread's first message, which notifies no one.
 */
import { errorMessage } from "../base/errors.ts";
import { printable } from "../base/printable.ts";
import type { Client } from "../client/client.ts";
import { validateId } from "../hooks/hook-file.ts";
import { DirectoryHookStore, defaultHookDir, type HookStore } from "../hooks/hooks.ts";
import { type Policy, parsePolicy, policyOf, pushes } from "../policy/policy.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import { installedScheduler } from "../scheduler/schedulers.ts";
import type { PassResult } from "./reconcile.ts";
import type { RunRegistry } from "./registry.ts";

const QUERY_MS = 10_000;

export interface NeverRunOptions {
  registry: RunRegistry;
  notify: Client;
  info: (line: string) => void;
  warn: (line: string) => void;
  scheduler?: Scheduler;
  /** The user's hooks, where the threads' first messages are known. */
  hooks?: HookStore;
  /** The configuration's `on=`, for a step whose script gives no `--on`. */
  policy?: Policy;
}

export async function tellNeverRun(options: NeverRunOptions): Promise<PassResult> {
  const result: PassResult = { told: 0, left: 0, failed: 0 };
  const scheduler = options.scheduler ?? installedScheduler();
  const jobs = await scheduler.neverRunnable?.(QUERY_MS);
  if (!jobs?.length) return result;
  const hooks = options.hooks ?? new DirectoryHookStore(defaultHookDir());
  for (const job of jobs) {
    const thread = threadOf(job.script);
    const hook = thread && (await hooks.get(thread).catch(() => undefined));
    // Not a step of mmn's, or its thread was never started: nowhere to say it.
    if (!hook) continue;
    const mark = await options.registry.mark(`never-${scheduler.kind}-${job.jobId}`);
    if (!mark) continue;
    const name = printable(job.name, 100) || `job ${job.jobId}`;
    const text = neverRunText(name, job.jobId, scheduler.words.name);
    try {
      const policy = policyIn(job.script) ?? options.policy ?? policyOf(undefined);
      if (pushes(policy, { kind: "never-runs" })) {
        const key = `relay:thread:${thread}`;
        await options.notify.hooks.set({ ...hook, id: key });
        await options.notify.reply(text, { to: key });
      } else await addLine(options.notify, hook.rootId || hook.postId, text);
      options.info(`job ${job.jobId} in thread ${thread}: step ${name} will never run`);
      result.told++;
    } catch (error) {
      // Told on the next pass: the mark is taken back.
      await options.registry.retire(mark);
      options.warn(`job ${job.jobId}: ${errorMessage(error)}; tried again on the next pass`);
      result.failed++;
    }
  }
  return result;
}

/** What is said of a step that will never run, by the relay in a `--thread` and by `mmn watch` in the job's message. */
export function neverRunText(name: string, jobId: string, schedulerName: string): string {
  return `⛔ step ${name} (job ${jobId}) will never run: its dependency failed (${schedulerName}: DependencyNeverSatisfied)`;
}

/** The thread's first message, with the line added once: an edit, which notifies no one. */
async function addLine(notify: Client, postId: string, line: string): Promise<void> {
  const post = await notify.post({ id: postId });
  if (post.message.includes(line)) return;
  const props = post.props as Record<string, unknown> | undefined;
  await notify.edit(post, { message: `${post.message}\n${line}`, ...(props ? { props } : {}) });
}

/** An option's value on a script's `mmn run` line: `--NAME VALUE`, `--NAME=VALUE`, quoted or not. */
const optionOf = (line: string, name: string): string | undefined =>
  new RegExp(`(?:^|\\s)--${name}(?:=|\\s+)(["']?)([^\\s"']+)\\1`).exec(line)?.[2];

/** The `--on` of the step's `mmn run`, where its script gives one that parses. */
function policyIn(script: string): Policy | undefined {
  for (const line of script.split("\n")) {
    if (!/\bmmn\b.*\brun\b/.test(line)) continue;
    const text = optionOf(line, "on");
    const parsed = text === undefined ? undefined : parsePolicy(text);
    if (parsed && !("error" in parsed)) return parsed;
  }
  return undefined;
}

/** The `--thread ID` (or `--thread=ID`) of an `mmn run` in a job's script; undefined where there is none. */
export function threadOf(script: string): string | undefined {
  for (const line of script.split("\n")) {
    if (!/\bmmn\b.*\brun\b/.test(line)) continue;
    const id = optionOf(line, "thread");
    if (!id) continue;
    try {
      return validateId(id);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
