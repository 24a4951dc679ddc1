import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import type { Post } from "@mattermost/types/posts";
import { mmn, type Sandbox } from "../helpers/cli.ts";
import { alicePosts, useRunServer } from "../helpers/run-server.ts";
import { waitFor } from "../run/helpers.ts";
import type { TestServer } from "../server/index.ts";

// The run as a picture (issue 19, item 6): sparklines of CPU, memory and GPU on the card while it
// runs, and a PNG chart of the whole run on the final reply, checked by a small decoder of our own.

let server: TestServer;
let box: Sandbox;
useRunServer((s, b) => {
  server = s;
  box = b;
});

const bin = mkdtempSync(join(tmpdir(), "mmn-gpu-"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));
writeFileSync(
  join(bin, "nvidia-smi"),
  '#!/bin/sh\necho "0, Tesla T4, 60, 3072, 15360"\necho "1, Tesla T4, 20, 1024, 15360"\n',
);
chmodSync(join(bin, "nvidia-smi"), 0o755);

type Field = { title: string; value: string };
const fields = (post: Post): Field[] =>
  (post.props.attachments as Array<{ fields: Field[] }> | undefined)?.[0]?.fields ?? [];
const field = (post: Post, title: string) => fields(post).find((f) => f.title === title)?.value;
const roots = () => alicePosts(server).filter((p) => !p.root_id);
const SPARK = /^[▁▂▃▄▅▆▇█]{2,24} \(of /;

/** The chunks of a PNG, each CRC checked; throws on anything that is not one. */
function readPng(bytes: Uint8Array): { width: number; height: number; palette: number; pixels: Uint8Array } {
  expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (data: Uint8Array) => {
    let c = 0xffffffff;
    for (const b of data) c = table[(c ^ b) & 255]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const types: string[] = [];
  let width = 0;
  let height = 0;
  let palette = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    expect(view.getUint32(at + 8 + length)).toBe(crc(bytes.subarray(at + 4, at + 8 + length)));
    types.push(type);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      expect([...data.subarray(8)]).toEqual([8, 3, 0, 0, 0]);
    }
    if (type === "PLTE") palette = length / 3;
    if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  expect(types).toEqual(["IHDR", "PLTE", "IDAT", "IEND"]);
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (width + 1));
  return { width, height, palette, pixels: raw };
}

describe("the run as a picture", () => {
  test("sparklines of CPU, memory and GPU on the card, and a PNG chart of the run on the final reply", async () => {
    const env = { MMN_TEST_INTERVAL_MS: "30", CUDA_VISIBLE_DEVICES: "0,1", PATH: `${bin}:${box.env.PATH}` };
    const burn = [
      "bash",
      "-c",
      "i=0; while [ ! -e end ]; do echo $((i++)); for j in $(seq 200); do :; done; done; exit 0",
    ];
    const run = mmn(box, ["run", "--", ...burn], { env });
    await waitFor(
      () => roots().length === 1 && field(server.posts.get(roots()[0]!.id)!, "GPU over the run") !== undefined,
      20_000,
      "the sparklines on the card",
    );
    box.write("end", "");
    const r = await run;
    expect(r.code).toBe(0);
    const status = server.posts.get(roots()[0]!.id)!;
    expect(field(status, "CPU over the run")).toMatch(SPARK);
    expect(field(status, "Memory over the run")).toMatch(SPARK);
    expect(field(status, "GPU over the run")).toMatch(/^[▁▂▃▄▅▆▇█]{2,24} \(of 100 %\)$/);

    const reply = alicePosts(server).find((p) => p.root_id === status.id)!;
    const files = (reply.file_ids ?? []).map((id) => server.files.get(id)!);
    const chart = files.find((f) => f.info.name === "usage.png")!;
    expect(chart.info.mime_type).toBe("image/png");
    expect(chart.content.length).toBeLessThanOrEqual(40 * 1024);
    const png = readPng(new Uint8Array(chart.content));
    expect(png.width).toBe(480);
    // Three panels: CPU, memory and GPU.
    expect(png.height).toBe(270);
    // Every row unfiltered, every pixel a colour of the palette, and more than the background drawn.
    const used = new Set<number>();
    for (let y = 0; y < png.height; y++) {
      expect(png.pixels[y * (png.width + 1)]).toBe(0);
      for (let x = 1; x <= png.width; x++) used.add(png.pixels[y * (png.width + 1) + x]!);
    }
    expect(Math.max(...used)).toBeLessThan(png.palette);
    expect(used.size).toBeGreaterThanOrEqual(5);
  });

  test("a run too short for two readings has no sparklines and no chart", async () => {
    const r = await mmn(box, ["run", "--", "true"]);
    expect(r.code).toBe(0);
    const status = roots()[0]!;
    expect(fields(status).map((f) => f.title)).not.toContain("CPU over the run");
    const reply = alicePosts(server).find((p) => p.root_id === status.id)!;
    expect((reply.file_ids ?? []).map((id) => server.files.get(id)!.info.name)).not.toContain("usage.png");
  });
});
