import pkg from "../../package.json" with { type: "json" };

/** The package's version, as `mmn --version` prints it. */
export const VERSION: string = pkg.version;
export const USER_AGENT = `mmn/${VERSION}`;
