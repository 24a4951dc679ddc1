import { UsageError } from "../base/errors.ts";
import { closest } from "../base/suggest.ts";
import { commandHelp, defineCommand } from "./command.ts";
import { EXIT_CODES, mainHelp } from "./commands.ts";
import { manPage } from "./man.ts";
import { print } from "./ui.ts";

export default defineCommand({
  name: "mmn help",
  description: "Show the help of mmn, or of one command (the same as `mmn <command> --help`).",
  operands: [{ name: "command", description: "the command to show the help of", valueHint: "COMMAND" }],
  flags: {
    man: {
      type: "boolean",
      description: "print the manual page of every command (roff), made from the same declarations as --help",
    },
  },
  examples: `  mmn help send
  mmn help --man | man -l -
  mmn help --man > ~/.local/share/man/man1/mmn.1   # then: man mmn (the install script does it)`,
  async run({ flags, operands }, ctx) {
    if (operands.length > 1) throw new UsageError(`name one command, got ${operands.length}: ${operands.join(" ")}`);
    const name = operands[0];
    if (flags.man) {
      if (name !== undefined) throw new UsageError("--man prints the page of every command: name none");
      print(await manPage(ctx.commands, EXIT_CODES));
      return 0;
    }
    if (name === undefined) {
      print(`${mainHelp()}\n`);
      return 0;
    }
    const entry = Object.hasOwn(ctx.commands, name) ? ctx.commands[name] : undefined;
    if (!entry) {
      const near = closest(name, Object.keys(ctx.commands));
      throw new UsageError(`no command ${JSON.stringify(name)}`, {
        hint: near ? `did you mean mmn help ${near}?` : "mmn --help lists the commands",
      });
    }
    print(await commandHelp(await entry.load()));
    return 0;
  },
});
