/**
 * The binaries a release ships, one per kind of machine, as `bun build --compile --target`
 * names them; install.sh picks one by the same names (`mmn-<os>-<arch>[-musl][-baseline]`).
 * Bun fetches each target's runtime from the npm registry the first time.
 */
export const TARGETS = [
  { target: "bun-linux-x64", out: "mmn-linux-x64" },
  // Old cluster nodes lack AVX2, which the default x64 build needs.
  { target: "bun-linux-x64-baseline", out: "mmn-linux-x64-baseline" },
  { target: "bun-linux-arm64", out: "mmn-linux-arm64" },
  // Alpine and other musl systems, in containers on clusters too.
  { target: "bun-linux-x64-musl", out: "mmn-linux-x64-musl" },
  { target: "bun-linux-x64-musl-baseline", out: "mmn-linux-x64-musl-baseline" },
  { target: "bun-linux-arm64-musl", out: "mmn-linux-arm64-musl" },
  { target: "bun-darwin-x64", out: "mmn-darwin-x64" },
  { target: "bun-darwin-arm64", out: "mmn-darwin-arm64" },
] as const;
