import { command } from "./_shared.ts";
export const examples = "";
export default command({ meta: { name: "mmn completion" }, args: {}, run() { return 0; } });
