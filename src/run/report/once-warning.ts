/**
 * A reporter's trouble while the run goes: the first time a warning on the job's stderr, the
 * rest of it only for --verbose (a server down for an hour must not fill the job's log).
 */
export class OnceWarning {
  #said: "not-yet" | "said" = "not-yet";

  constructor(
    private readonly warn: (message: string) => void,
    private readonly debug: (message: string) => void,
  ) {}

  say(warning: string, detail: string): void {
    if (this.#said === "said") return this.debug(detail);
    this.#said = "said";
    this.warn(warning);
  }
}
