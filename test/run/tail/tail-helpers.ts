import { TailBuffer, type TailOptions } from "../../../src/run/tail/tail.ts";

export const enc = new TextEncoder();

export function tailOf(input: string | Uint8Array, opts?: TailOptions): string[] {
  const tail = new TailBuffer(opts);
  tail.push(typeof input === "string" ? enc.encode(input) : input);
  return tail.lines();
}

/** The input pushed in chunks of `size` bytes (1: every chunk boundary). */
export function tailChunked(input: string | Uint8Array, size: number, opts?: TailOptions): string[] {
  const bytes = typeof input === "string" ? enc.encode(input) : input;
  const tail = new TailBuffer(opts);
  for (let i = 0; i < bytes.length; i += size) tail.push(bytes.subarray(i, i + size));
  return tail.lines();
}

export const tailBytewise = (input: string | Uint8Array, opts?: TailOptions) => tailChunked(input, 1, opts);
