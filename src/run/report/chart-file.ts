import { closeSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { FileInput } from "../../client/files.ts";
import type { UsageSeries } from "../job/history.ts";
import { fdPath } from "../process/samefile.ts";
import { privateTempDir } from "../process/tempdir.ts";
import { drawChart } from "./chart.ts";
import { zlibDeflate } from "./png.ts";

export interface ChartFile {
  file: FileInput;
  close(): void;
}

/**
 * The chart of the run's usage as a file the final reply attaches: written in a directory of
 * our own (mode 0700), unlinked at once, and uploaded through the descriptor, so nobody can
 * swap it. None when there is nothing to draw, or nowhere to write it: the reply goes without.
 */
export async function chartFile(
  series: UsageSeries | undefined,
  debug: (message: string) => void,
): Promise<ChartFile | undefined> {
  if (!series || series.points.length < 2) return undefined;
  const started = performance.now();
  const png = drawChart(series, await zlibDeflate());
  if (!png) return undefined;
  debug(`the usage chart: ${png.length} bytes, drawn in ${(performance.now() - started).toFixed(1)} ms`);
  const dir = privateTempDir("mmn-chart-").path;
  if (!dir) return undefined;
  let fd: number | undefined;
  try {
    const path = join(dir, "usage.png");
    fd = openSync(path, "wx+", 0o600);
    writeSync(fd, png);
    unlinkSync(path);
    const open = fd;
    return { file: { path: fdPath(open), name: "usage.png" }, close: () => closeSync(open) };
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    debug(`the usage chart is not attached: ${String(error)}`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
