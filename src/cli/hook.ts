import { UsageError } from "../base/errors.ts";
import { printable } from "../base/printable.ts";
import { closest } from "../base/suggest.ts";
import { formatHook, type MessageHook, readHookFile, validateId, writeHookFile } from "../hooks/hook-file.ts";
import { parseAge, pruneHooks } from "../hooks/hook-prune.ts";
import { DirectoryHookStore, defaultHookDir } from "../hooks/hooks.ts";
import { jsonFlag } from "./_shared.ts";
import { defineCommand } from "./command.ts";
import { print, ui } from "./ui.ts";

const examples = `  mmn hook list
  mmn hook show nightly
  mmn hook export nightly nightly.msg     # a file the Python package reads too
  mmn hook import nightly.msg             # then: mmn update --id nightly "…"
  mmn hook rm nightly
  mmn hook prune --dry-run                # what runs and arrays left more than 7 days ago
  mmn hook prune --older-than 30d`;

const ARITY: Record<string, number> = { list: 0, show: 1, export: 2, import: 1, rm: 1, prune: 0 };

/** As send --json and the hook file's JSON line spell them: snake_case, absent fields null. */
const hookJson = (hook: MessageHook) => ({
  id: hook.id,
  channel_id: hook.channelId,
  post_id: hook.postId,
  root_id: hook.rootId ?? null,
  server: hook.server ?? null,
  created_at: hook.createdAt ?? null,
});

export default defineCommand({
  name: "mmn hook",
  description: `Manage message hooks: what \`update --id\` needs to find a message. They live in ${"$"}MMN_HOOK_DIR, else ${"$"}XDG_STATE_HOME/mmn/hooks, else ~/.local/state/mmn/hooks, shared by every node that shares your home directory.`,
  operands: [
    {
      name: "action",
      description:
        "list | show ID | export ID FILE | import FILE | rm ID | prune (the hooks of runs mmn named itself, array boards and their state, dead locks: older than --older-than; hooks you named stay)",
      valueHint: "ACTION",
    },
  ],
  flags: {
    ...jsonFlag,
    "older-than": {
      type: "string",
      description: "prune: what has not changed for this long (default 7d; s, m, h, d, w)",
      valueHint: "AGE",
    },
    "dry-run": { type: "boolean", description: "prune: list what would be removed, remove nothing" },
  },
  examples,
  async run({ flags, operands: words }) {
    const [action = "list", ...operands] = words;
    const arity = ARITY[action];
    if (arity === undefined)
      throw new UsageError(`unknown hook action ${JSON.stringify(action)}`, {
        hint: suggestion(closest(action, Object.keys(ARITY)), "use list, show, export, import, rm or prune"),
      });
    if (operands.length !== arity)
      throw new UsageError(`hook ${action} takes ${arity} argument${arity === 1 ? "" : "s"}, got ${operands.length}`, {
        hint: "see mmn hook --help",
      });
    if (action !== "prune" && (flags["older-than"] !== undefined || flags["dry-run"] !== undefined))
      throw new UsageError("--older-than and --dry-run are for `mmn hook prune`", { hint: "see mmn hook --help" });
    const store = new DirectoryHookStore(defaultHookDir());
    const json = flags.json === true;
    const need = async (id: string) => {
      const hook = await store.get(validateId(id));
      if (!hook) throw new UsageError(`no hook with id ${JSON.stringify(id)} in ${store.dir}`);
      return hook;
    };
    switch (action) {
      case "list": {
        const hooks = await store.list();
        if (json) print(`${JSON.stringify(hooks.map(hookJson))}\n`);
        else if (hooks.length === 0) ui.info(`no hooks in ${store.dir}`);
        // Hook files may come from elsewhere (a shared MMN_HOOK_DIR): nothing in them reaches the terminal raw.
        else
          for (const h of hooks)
            print(
              `${[h.id, h.createdAt ?? "-", h.server ?? "-", `post ${h.postId}`].map((f) => printable(f, 300)).join("\t")}\n`,
            );
        return 0;
      }
      case "show": {
        const hook = await need(operands[0]!);
        print(json ? `${JSON.stringify(hookJson(hook))}\n` : `${formatHook(hook)}\n`);
        return 0;
      }
      case "export": {
        await writeHookFile(operands[1]!, await need(operands[0]!));
        ui.success(`hook ${JSON.stringify(operands[0])} written to ${operands[1]}`);
        return 0;
      }
      case "import": {
        const hook = await readHookFile(operands[0]!);
        await store.set(hook);
        ui.success(`imported hook ${JSON.stringify(hook.id)}: \`mmn update --id ${hook.id}\` edits that message now`);
        return 0;
      }
      case "prune": {
        const age = flags["older-than"] ?? "7d";
        const dryRun = flags["dry-run"] === true;
        const pruned = await pruneHooks(store.dir, parseAge(age), dryRun);
        if (json) print(`${JSON.stringify(pruned.map((p) => ({ ...p, ageMs: Math.round(p.ageMs) })))}\n`);
        else
          for (const p of pruned)
            print(`${dryRun ? "would remove" : "removed"}\t${p.kind}\t${printable(p.name, 300)}\t${days(p.ageMs)}\n`);
        if (!json)
          ui.info(
            `${pruned.length} ${pruned.length === 1 ? "entry" : "entries"} older than ${age} ${dryRun ? "would be removed from" : "removed from"} ${store.dir}`,
          );
        return 0;
      }
      default: {
        const id = validateId(operands[0]!);
        if (!(await store.delete(id))) throw new UsageError(`no hook with id ${JSON.stringify(id)} in ${store.dir}`);
        ui.success(`removed hook ${JSON.stringify(id)} (the message itself stays)`);
        return 0;
      }
    }
  },
});

const suggestion = (near: string | undefined, otherwise: string) =>
  near ? `did you mean mmn hook ${near}? (${otherwise})` : otherwise;

const days = (ms: number) =>
  ms >= 86_400_000 ? `${Math.floor(ms / 86_400_000)}d old` : `${Math.floor(ms / 3_600_000)}h old`;
