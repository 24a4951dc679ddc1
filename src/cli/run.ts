import { UsageError } from "../errors.ts";
import { command, contextOf } from "./_shared.ts";

export const examples = `  mmn run -- python train.py`;

export default command({
  meta: { name: "mmn run", description: "Run a command and report it to Mattermost." },
  args: {},
  async run({ data }) {
    contextOf(data);
    throw new UsageError("mmn run is not available yet");
  },
});
