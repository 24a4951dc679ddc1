import { expect, test } from "bun:test";
import { parseGpuCsv } from "../../../src/run/job/gpu.ts";

test("nvidia-smi's csv without header or units; lines it could not fill ([N/A]) are left out", () => {
  const csv =
    "0, NVIDIA A100-SXM4-40GB, 87, 31234, 40960\n1, NVIDIA A100-SXM4-40GB, 3, 500, 40960\n2, Tesla T4, [N/A], 0, 15360\n";
  expect(parseGpuCsv(csv)).toEqual([
    { index: "0", name: "NVIDIA A100-SXM4-40GB", utilization: 87, memoryUsed: 31234, memoryTotal: 40960 },
    { index: "1", name: "NVIDIA A100-SXM4-40GB", utilization: 3, memoryUsed: 500, memoryTotal: 40960 },
  ]);
  expect(parseGpuCsv("No devices were found\n")).toEqual([]);
});
