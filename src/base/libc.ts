import type { ConvertFns, FFIFunction } from "bun:ffi";

/**
 * libc's functions that Bun has no API for, through bun:ffi: undefined off Linux, without FFI (an
 * unusual build) and without the JIT, which Bun loses under a limited address space (ulimit -v).
 * Each caller names only what it calls: every function costs ~0.15 ms to set up.
 */
export function openLibc<Fns extends Record<string, FFIFunction>>(symbols: Fns): ConvertFns<Fns> | undefined {
  if (process.platform !== "linux" || !("Bun" in globalThis)) return undefined;
  try {
    const { dlopen } = require("bun:ffi") as typeof import("bun:ffi");
    for (const name of ["libc.so.6", "libc.so"]) {
      try {
        return dlopen(name, symbols).symbols;
      } catch {
        // musl names it libc.so: try the next.
      }
    }
  } catch {
    // No FFI, or no JIT for it.
  }
  return undefined;
}
