import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { multipartUpload } from "../../src/mattermost/multipart.ts";

// Issue 16, item 7: the peak memory of `mmn run`, whose final reply uploads the log's last 20 MiB.
test("an upload is streamed from disk a quarter of a MiB at a time, whole and in order", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "mmn-upload-")), "run.log");
  const content = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => i % 251);
  writeFileSync(path, content);
  const { body, headers } = multipartUpload("channel", [
    { path, name: "run.log", size: content.length - 5, offset: 5 },
  ]);
  const sizes: number[] = [];
  const parts: Uint8Array[] = [];
  for await (const chunk of body) {
    sizes.push(chunk.length);
    parts.push(chunk);
  }
  expect(Math.max(...sizes)).toBe(256 * 1024);
  const sent = Buffer.concat(parts);
  expect(sent.length).toBe(Number(headers["content-length"]));
  expect(sent.includes(Buffer.from(content.subarray(5)))).toBe(true);
});
