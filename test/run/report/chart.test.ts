// The run as a picture, by its parts: the sparkline's bars, the bounded history, the PNG encoder.
import { describe, expect, test } from "bun:test";
import { inflateSync } from "node:zlib";
import { UsageHistory } from "../../../src/run/job/history.ts";
import type { Resources } from "../../../src/run/job/watch.ts";
import { drawChart } from "../../../src/run/report/chart.ts";
import { crc32, encodePng, zlibDeflate } from "../../../src/run/report/png.ts";
import { sparkline } from "../../../src/run/report/sparkline.ts";

const reading = (cpuSeconds: number, memory: number): Resources => ({
  allocation: { cpus: 2, cpusFrom: "allocated", memory: 1000 },
  cpuSeconds,
  srun: false,
  memory,
});

describe("the run as a picture", () => {
  test("a sparkline: eight levels against the top, at most 24 characters", () => {
    expect(sparkline([0, 100 / 7, 200 / 7, 300 / 7, 400 / 7, 500 / 7, 600 / 7, 100], 100)).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([150, -3], 100)).toBe("█▁");
    expect(
      sparkline(
        Array.from({ length: 1000 }, (_, i) => i),
        1000,
      ),
    ).toHaveLength(24);
    expect(sparkline([], 100)).toBe("");
  });

  test("the history: CPU as a share of the cores given, and never more than 480 points however long the run", () => {
    const history = new UsageHistory();
    history.record(0, reading(0, 100));
    history.record(1000, reading(1, 200));
    expect(history.series()).toEqual({ points: [{ atMs: 1000, cpu: 50, memory: 200 }], memoryOf: 1000 });
    for (let i = 2; i < 100_000; i++) history.record(i * 1000, reading(i, 200 + (i % 7)));
    const { points } = history.series();
    expect(points.length).toBeLessThanOrEqual(480);
    expect(points.length).toBeGreaterThan(200);
    expect(points.at(-1)!.atMs).toBeGreaterThan(99_000_000 - 1000 * 512);
  });

  test("the PNG: signature, chunks with their CRC-32, zlib data that inflates to the rows", async () => {
    const deflate = await zlibDeflate();
    const png = encodePng(3, 2, [0xffffff, 0xff0000], new Uint8Array([0, 1, 0, 1, 0, 1]), deflate);
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(crc32(new TextEncoder().encode("IEND"))).toBe(0xae426082);
    // After the signature, IHDR (25 bytes) and a PLTE of two colours (18): IDAT's type.
    const idat = 8 + 25 + 18 + 4;
    const length = new DataView(png.buffer).getUint32(idat - 4);
    expect(new TextDecoder().decode(png.subarray(idat, idat + 4))).toBe("IDAT");
    expect([...inflateSync(png.subarray(idat + 4, idat + 4 + length))]).toEqual([0, 0, 1, 0, 0, 1, 0, 1]);
  });

  test("a day of readings is one small chart", async () => {
    const points = Array.from({ length: 480 }, (_, i) => ({
      atMs: i * 180_000,
      cpu: 50 + 45 * Math.sin(i / 20),
      memory: (1 + i / 100) * 2 ** 30,
      gpu: i % 50 < 25 ? 90 : 10,
    }));
    const png = drawChart({ points, memoryOf: 8 * 2 ** 30 }, await zlibDeflate())!;
    expect(png.length).toBeLessThanOrEqual(40 * 1024);
    expect(drawChart({ points: points.slice(0, 1) }, await zlibDeflate())).toBeUndefined();
  });
});
